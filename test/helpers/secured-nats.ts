// A nats-server configured by `locker nats-config` (a user per agent, one for the control point) and agents
// started by hand, for tests of what an agent or the control point does with the wrong credentials, a
// second agent, or no server yet. Agents can run "on another machine": in their own UTS namespace, with
// their own hostname. Every process is killed by the pid started here; cleanUp() removes everything.

import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cleanUp } from './clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from './lxc-env.js';
import { freePort, startNatsServer, type NatsServer } from './nats-server.js';
import { LOCKER_BIN, runLocker, show, type LockerResult } from './run-locker.js';

export interface AgentProcess {
  pid: number;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  running(): boolean;
  /** Its exit code once it exits. */
  exited: Promise<number>;
  /** Resolves with the output once it matches; rejects if the process exits first, or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface AgentStart {
  lxcpath: string;
  /** Credentials file; default the host's own agent-HOST.creds; null: none. */
  creds?: string | null;
  /** Runs the agent in a UTS namespace with this hostname: another machine, as far as Locker can tell. */
  machine?: string;
  /** Default: the server's URL. */
  url?: string;
}

export interface SecuredNats {
  work: string;
  url: string;
  /** The credentials file of `control` or of a host's agent. */
  creds(who: string): string;
  /** The configuration file `locker nats-config` wrote. */
  configFile: string;
  /** Starts the server (the tests of a missing server start it late); the configuration may be edited first. */
  startServer(config?: (written: string) => string): Promise<NatsServer>;
  /** `locker ARGS --nats URL [--creds control.creds]` in the work folder. */
  control(args: string[], creds?: string | null): Promise<LockerResult>;
  /** A fresh lxcpath (removed by cleanUp). */
  lxcpath(): Promise<string>;
  startAgent(host: string, start: AgentStart): AgentProcess;
  /** Agents as `locker hosts --json` lists them. */
  hosts(): Promise<Array<{ host: string; pid: number; up: boolean; machine?: string; lxcpath: string }>>;
  cleanUp(): Promise<void>;
}

const WAIT_MS = 60_000;

export async function securedNats(hosts: readonly string[], extraTools: Array<{ bin: string; pkg: string }> = []): Promise<SecuredNats> {
  await requireTools(extraTools);
  const work = mkdtempSync(path.join(tmpdir(), 'locker-secured-'));
  const natsDir = path.join(work, 'nats');
  const port = await freePort();
  const url = `nats://127.0.0.1:${port}`;
  const envs: LxcEnv[] = [];
  const started = new Set<AgentProcess>();
  let server: NatsServer | undefined;
  const done = () =>
    cleanUp([
      async () => {
        for (const agent of started) await agent.kill('SIGKILL');
      },
      async () => {
        for (const env of envs) await env.destroyAll();
      },
      async () => server?.stop(),
      async () => rmSync(work, { recursive: true, force: true }),
    ]);
  try {
    const gen = await runLocker(['nats-config', '--host', hosts.join(','), '-o', natsDir, '--nats', url], { cwd: work });
    if (gen.exitCode !== 0) throw new Error(`locker nats-config failed:\n${show(gen)}`);
  } catch (e) {
    await done();
    throw e;
  }
  const configFile = path.join(natsDir, 'nats-server.conf');
  const creds = (who: string) => path.join(natsDir, who === 'control' ? 'control.creds' : `agent-${who}.creds`);

  const startAgent = (host: string, start: AgentStart): AgentProcess => {
    const credsFile = start.creds === undefined ? creds(host) : start.creds;
    const args = [LOCKER_BIN, 'agent', '--host', host, '--nats', start.url ?? url, '-P', start.lxcpath];
    if (credsFile !== null) args.push('--creds', credsFile);
    // unshare execs sh, which execs node: the pid we get is the agent's own.
    const child: ResultPromise =
      start.machine === undefined
        ? execa(process.execPath, args, { reject: false, all: true, stdin: 'ignore', cwd: work })
        : execa('unshare', ['-u', 'sh', '-c', 'hostname "$0" && exec "$@"', start.machine, process.execPath, ...args], {
            reject: false,
            all: true,
            stdin: 'ignore',
            cwd: work,
          });
    if (child.pid === undefined) throw new Error(`could not start the agent of ${host}`);
    let output = '';
    child.all?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    const running = () => child.exitCode === null && child.signalCode === null;
    const exited = child.then((r) => r.exitCode ?? -1);
    const agent: AgentProcess = {
      pid: child.pid,
      output: () => output,
      running,
      exited,
      waitFor: (pattern, timeoutMs = WAIT_MS) =>
        new Promise((resolve, reject) => {
          const deadline = Date.now() + timeoutMs;
          const look = () => {
            if (pattern.test(output)) return resolve(output);
            if (!running()) return reject(new Error(`the agent exited before printing ${pattern}:\n${output}`));
            if (Date.now() > deadline) return reject(new Error(`the agent did not print ${pattern} in ${timeoutMs} ms:\n${output}`));
            setTimeout(look, 100);
          };
          look();
        }),
      kill: async (signal = 'SIGKILL') => {
        if (running()) process.kill(child.pid!, signal);
        await exited;
      },
    };
    started.add(agent);
    return agent;
  };

  const control = (args: string[], credsFile: string | null = creds('control')) =>
    runLocker([...args, '--nats', url, ...(credsFile === null ? [] : ['--creds', credsFile])], { cwd: work });

  return {
    work,
    url,
    creds,
    configFile,
    startServer: async (edit) => {
      const text = readFileSync(configFile, 'utf8');
      server = await startNatsServer({ port, config: () => (edit ? edit(text) : text) });
      return server;
    },
    control,
    lxcpath: async () => {
      const env = await createLxcEnv();
      envs.push(env);
      return env.lxcpath;
    },
    startAgent,
    hosts: async () => {
      const r = await control(['hosts', '--json']);
      if (r.exitCode !== 0) throw new Error(`locker hosts failed:\n${show(r)}`);
      return JSON.parse(r.stdout) as Array<{ host: string; pid: number; up: boolean; machine?: string; lxcpath: string }>;
    },
    cleanUp: done,
  };
}
