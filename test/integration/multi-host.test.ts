// One control point, three LXC "hosts" (agents as separate processes, each with its own lxcpath), a real
// nats-server with the generated users and permissions: plan, apply, check each host, plan again, tear down.
// An agent stopped before apply makes its host's steps wait; the run finishes once it is back.

import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { LOCKER_BIN, runLocker, show } from '../helpers/run-locker.js';

const HOSTS = ['alpha', 'beta', 'gamma'] as const;
type Host = (typeof HOSTS)[number];

let server: NatsServer;
let work: string;
let natsDir: string;
let project: string;
const envs = {} as Record<Host, LxcEnv>;
const agents = {} as Record<Host, { child: ResultPromise; log: () => string }>;
const port = 45000 + Math.floor(Math.random() * 5000);

function startAgent(host: Host): void {
  let log = '';
  const child = execa(
    process.execPath,
    [LOCKER_BIN, 'agent', '--host', host, '--nats', server.url, '-P', envs[host].lxcpath, '--creds', path.join(natsDir, `agent-${host}.creds`)],
    { reject: false, all: true, stdin: 'ignore' },
  );
  child.all?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  agents[host] = { child, log: () => log };
}

async function stopAgent(host: Host): Promise<number | undefined> {
  const { child } = agents[host];
  if (child.exitCode !== null || child.pid === undefined) return child.exitCode ?? undefined;
  process.kill(child.pid, 'SIGTERM');
  return (await child).exitCode;
}

const control = (...args: string[]) =>
  runLocker([...args, '-p', project, '--nats', server.url, '--creds', path.join(natsDir, 'control.creds')], { cwd: work });

async function containersOn(host: Host): Promise<Record<string, string>> {
  const out = (await execa('lxc-ls', ['-P', envs[host].lxcpath, '-f', '-F', 'NAME,STATE'])).stdout;
  return Object.fromEntries(
    out
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(/\s+/) as [string, string]),
  );
}

async function until(what: string, f: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  await requireTools();
  for (const host of HOSTS) envs[host] = await createLxcEnv();
  project = envs.alpha.prefix;
  work = mkdtempSync(path.join(tmpdir(), 'locker-multi-'));
  natsDir = path.join(work, 'nats');
  const natsPort = await freePort();
  const gen = await runLocker(['nats-config', '--host', HOSTS.join(','), '-o', natsDir, '--nats', `nats://127.0.0.1:${natsPort}`], { cwd: work });
  expect(gen.exitCode, show(gen)).toBe(0);
  server = await startNatsServer({ port: natsPort, config: () => readFileSync(path.join(natsDir, 'nats-server.conf'), 'utf8') });
  writeFileSync(
    path.join(work, 'locker.yml'),
    `containers:
  web:
    host: alpha
    template: busybox
    ports: ["${port}:80"]
  db:
    template: busybox
  db-copy:
    clone: db
    snapshot: true
  worker:
    host: gamma
    template: busybox
    depends_on: [db]
defaults:
  host: beta
`,
  );
  for (const host of HOSTS) startAgent(host);
});

afterAll(async () => {
  for (const host of HOSTS) if (agents[host]) await stopAgent(host).catch(() => undefined);
  for (const host of HOSTS) await envs[host]?.destroyAll();
  if (project) await removeRulesTagged(ruleTag(project));
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('one control point, three hosts over NATS', () => {
  it('lists the agents as up', async () => {
    await until('three agents up', async () => {
      const r = await control('hosts', '--json');
      return r.exitCode === 0 && (JSON.parse(r.stdout) as Array<{ up: boolean }>).filter((a) => a.up).length === 3;
    });
  });

  it('plans the spec spread over the hosts and exits 2', async () => {
    const r = await control('plan', '--json');
    expect(r.exitCode, show(r)).toBe(2);
    const { plan } = JSON.parse(r.stdout) as { plan: { actions: Array<{ host: string; container: string; kind: string }> } };
    const where = new Set(plan.actions.map((a) => `${a.container}@${a.host}`));
    expect([...where].sort()).toEqual(['db-copy@beta', 'db@beta', 'web@alpha', 'worker@gamma']);
  });

  it("an agent stopped before apply: its host's steps wait, the run finishes after it restarts", async () => {
    expect(await stopAgent('gamma')).toBe(0);
    await until('gamma shown as down', async () => {
      const r = await control('hosts', '--json');
      const gamma = (JSON.parse(r.stdout) as Array<{ host: string; up: boolean }>).find((a) => a.host === 'gamma');
      return gamma?.up === false;
    });
    const planned = await control('plan');
    expect(planned.exitCode, show(planned)).toBe(2);
    expect(planned.stderr).toMatch(/warning: host "gamma": its agent is not answering/);
    const up = control('up', '--yes');
    await until('alpha and beta applied', async () => {
      const [a, b] = [await containersOn('alpha'), await containersOn('beta')];
      return a[`${project}_web`] === 'RUNNING' && b[`${project}_db`] === 'RUNNING' && b[`${project}_db-copy`] === 'RUNNING';
    });
    expect(await containersOn('gamma')).toEqual({});
    startAgent('gamma');
    const r = await up;
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stderr).toMatch(/warning: host "gamma": its agent is not answering/);
    expect(await containersOn('alpha')).toEqual({ [`${project}_web`]: 'RUNNING' });
    expect(await containersOn('beta')).toEqual({ [`${project}_db`]: 'RUNNING', [`${project}_db-copy`]: 'RUNNING' });
    expect(await containersOn('gamma')).toEqual({ [`${project}_worker`]: 'RUNNING' });
  });

  it('the next plan is empty; status, runs and show work across hosts', async () => {
    const r = await control('plan');
    expect(r.exitCode, show(r)).toBe(0);
    const status = await control('status', '--json');
    expect(status.exitCode, show(status)).toBe(0);
    const { containers } = JSON.parse(status.stdout) as { containers: Array<{ name: string; host: string; state: string; ports: string[] }> };
    expect(containers.map((c) => [c.name, c.host, c.state])).toEqual([
      ['db', 'beta', 'RUNNING'],
      ['db-copy', 'beta', 'RUNNING'],
      ['web', 'alpha', 'RUNNING'],
      ['worker', 'gamma', 'RUNNING'],
    ]);
    expect(containers.find((c) => c.name === 'web')?.ports).toEqual([`${port}->80/tcp`]);
    const runs = await control('runs', '--json');
    expect(runs.exitCode, show(runs)).toBe(0);
    const [run] = JSON.parse(runs.stdout) as Array<{ runId: string; status: string }>;
    expect(run?.status).toBe('succeeded');
    const detail = await control('show', run!.runId, '--json');
    const steps = (JSON.parse(detail.stdout) as { actions: Array<{ host: string; state: string }> }).actions;
    expect(new Set(steps.map((s) => s.host))).toEqual(new Set(HOSTS));
    expect(steps.every((s) => s.state === 'succeeded')).toBe(true);
  });

  it('two concurrent applies on one project with --lock-timeout 0: one wins, the other gets the lock error', async () => {
    const [a, b] = await Promise.all([control('down', '--yes', '--lock-timeout', '0'), control('down', '--yes', '--lock-timeout', '0')]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes, `${show(a)}\n${show(b)}`).toEqual([0, 1]);
    const loser = a.exitCode === 1 ? a : b;
    expect(loser.stderr).toMatch(/^error\[LOCK_HELD\] project is locked by pid \d+ /m);
  });

  it('down left nothing on any host', async () => {
    for (const host of HOSTS) expect(await containersOn(host)).toEqual({});
    const r = await control('plan');
    expect(r.exitCode, show(r)).toBe(2);
  });

  it('agents stop cleanly on SIGTERM', async () => {
    for (const host of HOSTS) expect(await stopAgent(host)).toBe(0);
  });
});
