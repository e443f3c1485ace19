// Several LXC "hosts" on one machine, driven over a real nats-server as multi-host.test.ts does: one agent
// process per host (its own lxcpath and credentials), a control point run as the CLI. cleanUp() removes
// every container, forward, process and folder it made, whatever state a failed test left.

import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ObservedHost } from '../../plans/observed.js';
import { connectNats, readHeartbeat } from '../../src/nats/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { parseHeartbeat } from '../../src/transport/wire/index.js';
import { killStartedLockers, startLocker, type BackgroundLocker } from './background-locker.js';
import { cleanUp } from './clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from './lxc-env.js';
import { freePort, startNatsServer, type NatsServer } from './nats-server.js';
import { runLocker, show, type LockerResult } from './run-locker.js';
import { until } from './wait-until.js';

export interface NatsHosts {
  project: string;
  /** The spec's folder (locker.yml) and the generated NATS configuration under nats/. */
  work: string;
  server: NatsServer;
  envs: Record<string, LxcEnv>;
  /** Starts the agent of a host (with its own credentials); replaces a stopped one. */
  startAgent(host: string): BackgroundLocker;
  /** Stops the agent by its pid (SIGTERM: a clean stop; SIGKILL: a crash); its exit code. */
  stopAgent(host: string, signal?: NodeJS.Signals): Promise<number>;
  /** `locker ARGS` as the control point (control credentials, this project). */
  control(...args: string[]): Promise<LockerResult>;
  /** The same, in the background. */
  controlInBackground(...args: string[]): BackgroundLocker;
  /** LXC name → state of every container under the host's lxcpath. */
  containersOn(host: string): Promise<Record<string, string>>;
  writeSpec(text: string): void;
  /** Waits until `hosts` shows these agents up (or down). */
  waitAgents(hosts: readonly string[], up: boolean): Promise<void>;
  /** Waits until `host`'s heartbeat carries an observed state for which `ok` holds (what status shows once it is down). */
  waitReported(host: string, what: string, ok: (observed: ObservedHost) => boolean): Promise<void>;
  cleanUp(): Promise<void>;
}

/**
 * `hosts`: the hosts that get an lxcpath and an agent. `users`: the hosts nats-config makes users for
 * (default: the same); a host missing there can never report.
 */
export async function startNatsHosts(hosts: readonly string[], users: readonly string[] = hosts): Promise<NatsHosts> {
  await requireTools();
  const envs: Record<string, LxcEnv> = {};
  const agents = new Map<string, BackgroundLocker>();
  let server: NatsServer | undefined;
  const work = mkdtempSync(path.join(tmpdir(), 'locker-hosts-'));
  const natsDir = path.join(work, 'nats');
  let project = '';

  const cleanUpAll = () =>
    cleanUp([
      // By pid, SIGKILL: a test that failed may have left an agent or a command in any state.
      () => killStartedLockers(),
      async () => {
        for (const env of Object.values(envs)) await env.destroyAll();
      },
      async () => {
        if (project !== '') await removeRulesTagged(ruleTag(project));
      },
      async () => server?.stop(),
      async () => rmSync(work, { recursive: true, force: true }),
    ]);

  try {
    for (const host of hosts) envs[host] = await createLxcEnv();
    project = envs[hosts[0]!]!.prefix;
    const natsPort = await freePort();
    const gen = await runLocker(['nats-config', '--host', users.join(','), '-o', natsDir, '--nats', `nats://127.0.0.1:${natsPort}`], { cwd: work });
    if (gen.exitCode !== 0) throw new Error(`nats-config failed: ${show(gen)}`);
    server = await startNatsServer({ port: natsPort, config: () => readFileSync(path.join(natsDir, 'nats-server.conf'), 'utf8') });
  } catch (e) {
    await cleanUpAll().catch(() => undefined);
    throw e;
  }
  const nats = server;
  const controlArgs = (args: string[]) => [...args, '-p', project, '--nats', nats.url, '--creds', path.join(natsDir, 'control.creds')];

  const startAgent = (host: string): BackgroundLocker => {
    const running = agents.get(host);
    if (running?.running()) throw new Error(`the agent of ${host} already runs (pid ${running.pid})`);
    const env = envs[host];
    if (env === undefined) throw new Error(`no host ${host} in this test`);
    const args = ['agent', '--host', host, '--nats', nats.url, '-P', env.lxcpath, '--creds', path.join(natsDir, `agent-${host}.creds`)];
    const agent = startLocker(args, { cwd: work, timeoutMs: 0 });
    agents.set(host, agent);
    return agent;
  };

  const stopAgent = async (host: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<number> => {
    const agent = agents.get(host);
    if (agent === undefined) throw new Error(`no agent of ${host} was started`);
    await agent.kill(signal);
    return (await agent.result).exitCode;
  };

  const control = (...args: string[]) => runLocker(controlArgs(args), { cwd: work });

  const waitAgents = async (which: readonly string[], up: boolean) => {
    await until(`agents ${which.join(', ')} ${up ? 'up' : 'down'}`, async () => {
      const r = await control('hosts', '--json');
      if (r.exitCode !== 0) return undefined;
      const listed = JSON.parse(r.stdout) as Array<{ host: string; up: boolean }>;
      return which.every((h) => listed.some((a) => a.host === h && a.up === up)) ? true : undefined;
    });
  };

  const waitReported = async (host: string, what: string, ok: (observed: ObservedHost) => boolean) => {
    const nc = await connectNats({ url: nats.url, credsFile: path.join(natsDir, 'control.creds'), name: 'test heartbeat reader' });
    try {
      await until(`${host} to report ${what}`, async () => {
        const stored = await readHeartbeat(nc, host);
        const observed = stored?.value === undefined ? undefined : parseHeartbeat(stored.value)?.observed;
        return observed !== undefined && ok(observed) ? true : undefined;
      });
    } finally {
      await nc.close();
    }
  };

  return {
    project,
    work,
    server: nats,
    envs,
    startAgent,
    stopAgent,
    control,
    controlInBackground: (...args) => startLocker(controlArgs(args), { cwd: work }),
    containersOn: async (host) => {
      const out = (await execa('lxc-ls', ['-P', envs[host]!.lxcpath, '-f', '-F', 'NAME,STATE'])).stdout;
      return Object.fromEntries(
        out
          .split('\n')
          .slice(1)
          .filter((l) => l.trim() !== '')
          .map((l) => l.trim().split(/\s+/) as [string, string]),
      );
    },
    writeSpec: (text) => writeFileSync(path.join(work, 'locker.yml'), text),
    waitAgents,
    waitReported,
    cleanUp: cleanUpAll,
  };
}

/** A spec of busybox containers, each on its host: `{ a: 'h1', b: 'h2' }`. */
export function busyboxSpec(placement: Record<string, string>): string {
  const lines = ['containers:'];
  for (const [name, host] of Object.entries(placement)) lines.push(`  ${name}:`, `    host: ${host}`, '    template: busybox');
  return `${lines.join('\n')}\n`;
}
