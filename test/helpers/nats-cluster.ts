// Several LXC "hosts" behind one real nats-server, as in production: `locker nats-config` users
// (an agent user per host, one control user), an lxcpath per host, each agent a separate process.
// Every agent is started at once; agents and the server are killed by the pids this helper started;
// stop() removes everything it made. With `natsServers: 3`, NATS is a 3-node JetStream cluster written by
// `locker nats-config --cluster`, and every client gets the list of the three.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import { runTracked, startLocker, type BackgroundLocker } from './background-locker.js';
import { cleanUp } from './clean-up.js';
import { releaseDhcpLeases } from './dhcp-leases.js';
import { createLxcEnv, type LxcEnv } from './lxc-env.js';
import { freePort, startNatsServer, type NatsServer } from './nats-server.js';
import { show, type LockerResult } from './run-locker.js';
import { until } from './wait-until.js';

export interface NatsCluster {
  /** The first (or only) nats-server. */
  server: NatsServer;
  /** Every nats-server, in the order of `url`. */
  servers: NatsServer[];
  /** Each server's monitoring endpoint (`http://127.0.0.1:PORT`, for /connz and /jsz), in the same order. */
  monitors: string[];
  /** What agents and the control point get as --nats: one URL, or the servers' URLs separated by commas. */
  url: string;
  controlCreds: string;
  envs: Record<string, LxcEnv>;
  /** The agent process of `host` started last. */
  agent(host: string): BackgroundLocker;
  startAgent(host: string): BackgroundLocker;
  /** Runs `locker ARGS -p PROJECT --nats URL --creds control.creds` in `cwd`. */
  control(cwd: string, project: string, ...args: string[]): Promise<LockerResult>;
  /** The same, in the background. */
  startControl(cwd: string, project: string, ...args: string[]): BackgroundLocker;
  /** Waits until `locker hosts` lists every agent as up. */
  waitAgentsUp(cwd: string, project: string): Promise<void>;
  /** Every agent's output, for assertion messages. */
  logs(): string;
  /** Kills the agents (SIGKILL by pid), destroys the hosts' containers, stops the server. */
  stop(): Promise<void>;
}

export interface NatsClusterOptions {
  /** 1 (default): one server; 3 or more: a JetStream cluster of that many on loopback. */
  natsServers?: number;
}

export async function startNatsCluster(hosts: readonly string[], work: string, options: NatsClusterOptions = {}): Promise<NatsCluster> {
  const { servers, monitors, url, natsDir, controlCreds } = await startNatsServers(hosts, work, options.natsServers ?? 1);
  const envs: Record<string, LxcEnv> = {};
  try {
    for (const host of hosts) envs[host] = await createLxcEnv();
  } catch (e) {
    for (const env of Object.values(envs)) await env.destroyAll();
    for (const server of servers) await server.stop();
    throw e;
  }
  const server = servers[0]!;
  /** Every agent process started, per host, the current one last. */
  const started: Record<string, BackgroundLocker[]> = Object.fromEntries(hosts.map((h) => [h, []]));
  const nats = (project: string) => ['-p', project, '--nats', url, '--creds', controlCreds];

  const startAgent = (host: string) => {
    const args = ['agent', '--host', host, '--nats', url, '-P', envs[host]!.lxcpath, '--creds', path.join(natsDir, `agent-${host}.creds`)];
    const agent = startLocker(args, { cwd: work, timeoutMs: 0 });
    started[host]!.push(agent);
    return agent;
  };
  const cluster: NatsCluster = {
    server,
    servers,
    monitors,
    url,
    controlCreds,
    envs,
    agent: (host) => {
      const a = started[host]?.at(-1);
      if (!a) throw new Error(`no agent was started for ${host}`);
      return a;
    },
    startAgent,
    control: (cwd, project, ...args) => runTracked([...args, ...nats(project)], { cwd }),
    startControl: (cwd, project, ...args) => startLocker([...args, ...nats(project)], { cwd }),
    waitAgentsUp: async (cwd, project) => {
      let last: LockerResult | undefined;
      const allUp = async () => {
        last = await cluster.control(cwd, project, 'hosts', '--json');
        if (last.exitCode !== 0) return undefined;
        const up = (JSON.parse(last.stdout) as Array<{ host: string; up: boolean }>).filter((a) => a.up).map((a) => a.host);
        return hosts.every((h) => up.includes(h)) ? true : undefined;
      };
      await until(`agents ${hosts.join(', ')} up`, allUp).catch((e: unknown) => {
        throw new Error(`${(e as Error).message}\nlast \`locker hosts\`: ${last ? show(last) : 'none'}\n${cluster.logs()}`, { cause: e });
      });
    },
    logs: () => hosts.map((h) => `--- agent ${h}\n${started[h]!.map((a) => a.output()).join('--- (restarted)\n')}`).join('\n'),
    stop: () =>
      cleanUp([
        ...Object.values(started)
          .flat()
          .map((a) => () => a.kill('SIGKILL')),
        ...Object.values(envs).flatMap((env) => [() => releaseDhcpLeases(env.lxcpath), () => env.destroyAll()]),
        ...servers.map((s) => () => s.stop()),
      ]),
  };
  for (const host of hosts) startAgent(host);
  return cluster;
}

/** nats-servers as `locker nats-config` writes them for `hosts` (a cluster when count > 1), started, without agents. */
export async function startNatsServers(
  hosts: readonly string[],
  work: string,
  count: number,
): Promise<{ servers: NatsServer[]; monitors: string[]; url: string; natsDir: string; controlCreds: string }> {
  const natsDir = path.join(work, 'nats');
  const clustered = count > 1;
  const ports = clustered ? await clusterPorts(count) : [await freePort()];
  const url = ports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const gen = await runTracked(
    ['nats-config', '--host', hosts.join(','), '-o', natsDir, '--nats', url, ...(clustered ? ['--cluster'] : [])],
    { cwd: work },
  );
  expect(gen.exitCode, show(gen)).toBe(0);
  // The generated configurations keep JetStream in files under natsDir: a restart finds its streams again.
  const files = clustered ? ports.map((_, i) => `nats-server-${i + 1}.conf`) : ['nats-server.conf'];
  const monitorPorts: number[] = [];
  for (const _ of files) monitorPorts.push(await freePort());
  const started = await Promise.allSettled(
    files.map((file, i) =>
      startNatsServer({
        port: ports[i],
        config: () => `${readFileSync(path.join(natsDir, file), 'utf8')}\nhttp: "127.0.0.1:${monitorPorts[i]}"\n`,
      }),
    ),
  );
  const servers = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    for (const server of servers) await server.stop();
    throw (failed as PromiseRejectedResult).reason;
  }
  const monitors = monitorPorts.map((p) => `http://127.0.0.1:${p}`);
  return { servers, monitors, url, natsDir, controlCreds: path.join(natsDir, 'control.creds') };
}

/** Client ports whose route port (client port + 2000, as `nats-config --cluster` writes them) is free too. */
export async function clusterPorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (port + 2000 > 65535 || ports.includes(port)) continue;
    if (await portFree(port + 2000)) ports.push(port);
  }
  return ports;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
