// Several LXC "hosts" behind one real nats-server, as in production: `locker nats-config` users
// (an agent user per host, one control user), an lxcpath per host, each agent a separate process.
// Every agent is started at once; agents and the server are killed by the pids this helper started;
// stop() removes everything it made.

import { readFileSync } from 'node:fs';
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
  server: NatsServer;
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

export async function startNatsCluster(hosts: readonly string[], work: string): Promise<NatsCluster> {
  const natsDir = path.join(work, 'nats');
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const gen = await runTracked(['nats-config', '--host', hosts.join(','), '-o', natsDir, '--nats', url], { cwd: work });
  expect(gen.exitCode, show(gen)).toBe(0);
  const envs: Record<string, LxcEnv> = {};
  let server: NatsServer;
  try {
    for (const host of hosts) envs[host] = await createLxcEnv();
    // The generated configuration keeps JetStream in files under natsDir: a restart finds its streams again.
    server = await startNatsServer({ port, config: () => readFileSync(path.join(natsDir, 'nats-server.conf'), 'utf8') });
  } catch (e) {
    for (const env of Object.values(envs)) await env.destroyAll();
    throw e;
  }
  const controlCreds = path.join(natsDir, 'control.creds');
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
        () => server.stop(),
      ]),
  };
  for (const host of hosts) startAgent(host);
  return cluster;
}
