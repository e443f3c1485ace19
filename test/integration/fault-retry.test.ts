// Fault: a template script that fails until it is fixed (embedded mode, real LXC). The failed step fails
// its run, its dependents are skipped, independent work finishes; after the fix, `locker retry --yes`
// runs only the failed step and the steps after it, and nothing that succeeded.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { killStartedLockers, runTracked } from '../helpers/background-locker.js';
import { releaseDhcpLeases } from '../helpers/dhcp-leases.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createFaultTally } from '../helpers/fault-tally.js';
import { checkHosts, type ExpectedHost } from '../helpers/host-integrity.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runIntegrity, readFileEvents } from '../helpers/run-integrity.js';
import { show } from '../helpers/run-locker.js';

const tally = createFaultTally('fault-retry');
let env: LxcEnv;
let work: string;
let project: string;
let runId: string;
const port = 20000 + Math.floor(Math.random() * 20000);
const flag = () => path.join(work, 'template-fixed');
const dataA = () => path.join(work, 'data', 'a');

const A_STEPS = ['local/a/create', 'local/a/copy-out', 'local/a/write-mounts', 'local/a/set-network', 'local/a/start'];
const B_STEPS = ['local/b/create', 'local/b/write-mounts', 'local/b/set-network', 'local/b/start'];
const C_STEPS = ['local/c/clone', 'local/c/write-mounts', 'local/c/install-hostname-hook', 'local/c/set-network', 'local/c/start', 'local/c/forward-ports'];

interface StepView {
  id: string;
  state: string;
  attempts: number;
  error?: { code: string; retryable: boolean };
  skippedBecause?: string;
}

const locker = (...args: string[]) => runTracked([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const events = (): Promise<LockerEvent[]> => readFileEvents(path.join(work, '.locker'), project);

async function steps(): Promise<Record<string, StepView>> {
  const r = await locker('show', runId, '--json');
  expect(r.exitCode, show(r)).toBe(0);
  const run = JSON.parse(r.stdout) as { actions: StepView[] };
  return Object.fromEntries(run.actions.map((a) => [a.id, a]));
}

function expectedHosts(): ExpectedHost[] {
  return [
    {
      host: 'local',
      lxcpath: env.lxcpath,
      containers: [{ name: 'a', mounts: [dataA()] }, { name: 'b' }, { name: 'c', ports: [{ hostPort: port, containerPort: 80 }] }],
    },
  ];
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  work = mkdtempSync(path.join(tmpdir(), 'locker-fault-retry-'));
  const template = path.join(work, 'flaky-template');
  writeFileSync(
    template,
    `#!/bin/sh\n[ -e "${flag()}" ] || { echo "flaky template: not fixed yet" >&2; exit 1; }\nexec /usr/share/lxc/templates/lxc-busybox "$@"\n`,
  );
  chmodSync(template, 0o755);
  writeFileSync(
    path.join(work, 'locker.yml'),
    `containers:
  a:
    template:
      name: ${template}
    volumes:
      - ${dataA()}:/srv
  b:
    template: busybox
  c:
    clone: a
    snapshot: true
    ports: ["${port}:80"]
`,
  );
});

afterAll(async () => {
  await cleanUp([
    () => killStartedLockers(),
    async () => env && releaseDhcpLeases(env.lxcpath),
    async () => env?.destroyAll(),
    async () => project && removeRulesTagged(ruleTag(project)),
    async () => work && rmSync(work, { recursive: true, force: true }),
    () => tally.report(),
  ]);
});

describe('a failing template, fixed, then retry', () => {
  it('up fails the run: the failed step once, its dependents skipped, the independent container done', async () => {
    const r = await locker('up', '--yes');
    tally.fault('template script of a exits 1');
    expect(r.exitCode, show(r)).toBe(1);
    runId = /Apply failed: run (\S+),/.exec(r.stdout)?.[1] ?? '';
    expect(runId, show(r)).not.toBe('');
    expect(r.stdout).toContain(`locker retry ${runId} --yes`);

    const s = await steps();
    expect(s['local/a/create']).toMatchObject({ state: 'failed', attempts: 1, error: { code: 'LXC_COMMAND_FAILED', retryable: false } });
    for (const id of [...A_STEPS.slice(1), ...C_STEPS]) {
      expect(s[id], id).toMatchObject({ state: 'skipped', skippedBecause: 'local/a/create' });
    }
    for (const id of B_STEPS) expect(s[id], id).toMatchObject({ state: 'succeeded', attempts: 1 });
    // Not retryable: one try, no retry scheduled.
    const failed = (await events()).filter((e) => e.type === 'action.failed');
    expect(failed.map((e) => [e.actionId, e.attempt, 'retry' in e.data])).toEqual([['local/a/create', 1, false]]);
  });

  it('status shows the independent container running and the others missing; plan has no unfinished-run warning', async () => {
    const st = await locker('status', '--json');
    expect(st.exitCode, show(st)).toBe(0);
    const { containers } = JSON.parse(st.stdout) as { containers: Array<{ name: string; state: string }> };
    expect(containers.map((c) => [c.name, c.state])).toEqual([
      ['a', 'MISSING'],
      ['b', 'RUNNING'],
      ['c', 'MISSING'],
    ]);
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(2);
    expect(plan.stderr).not.toContain('has not finished');
  });

  it('after the fix, retry runs exactly the failed and skipped steps, with new attempt numbers', async () => {
    writeFileSync(flag(), 'fixed\n');
    const before = (await events()).length;
    const r = await locker('retry', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stdout).toContain(`Retrying run ${runId} `);
    expect(r.stdout).toContain(`: ${A_STEPS.length + C_STEPS.length} steps to run.`);
    expect(r.stdout).toContain('local/a/create (attempt 2)');
    tally.recovered(runId);

    const after = (await events()).slice(before);
    expect(after[0]).toMatchObject({ type: 'run.resumed', runId, data: { mode: 'retry' } });
    expect(after.at(-1)).toMatchObject({ type: 'run.finished', runId, data: { outcome: 'succeeded' } });
    const dispatched = after.filter((e) => e.type === 'action.dispatched');
    expect(dispatched.map((e) => e.actionId).sort()).toEqual([...A_STEPS, ...C_STEPS].sort());
    expect(dispatched.find((e) => e.actionId === 'local/a/create')?.attempt).toBe(2);
    expect(dispatched.filter((e) => e.actionId !== 'local/a/create').every((e) => e.attempt === 1)).toBe(true);

    const s = await steps();
    expect(s['local/a/create']).toMatchObject({ state: 'succeeded', attempts: 2 });
    for (const id of [...A_STEPS.slice(1), ...C_STEPS, ...B_STEPS]) expect(s[id], id).toMatchObject({ state: 'succeeded', attempts: 1 });
  });

  it('every action has exactly one success, and the hosts hold each effect once', async () => {
    const runs = runIntegrity(await events());
    const host = await checkHosts(project, expectedHosts());
    tally.checked(runs, host);
    expect(runs).toEqual([{ runId, status: 'succeeded', actions: A_STEPS.length + B_STEPS.length + C_STEPS.length, lost: [], duplicated: [] }]);
    expect(host.problems).toEqual([]);
  });

  it('the next plan is empty, and there is nothing left to retry', async () => {
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
    const again = await locker('retry', '--yes');
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('error[RUN_NOT_FOUND] no failed or unfinished run to retry');
  });
});
