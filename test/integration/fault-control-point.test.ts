// Fault: the control point (the `locker up` process) SIGKILLed at several points of a run, then
// `locker resume --yes`. Embedded mode on real LXC for four points; NATS mode (agents alive, a real
// nats-server) for one. Each ends with one success per action, each effect once on the hosts, an empty plan.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { killStartedLockers, runTracked, startLocker } from '../helpers/background-locker.js';
import { releaseDhcpLeases } from '../helpers/dhcp-leases.js';
import { inFlight, planSize, runIdOf, succeededIds } from '../helpers/event-views.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createFaultTally } from '../helpers/fault-tally.js';
import { faultSpec, faultSpecHosts, slowTemplateScript, type FaultSpecOptions } from '../helpers/fault-spec.js';
import { checkHosts } from '../helpers/host-integrity.js';
import { killWhenLogged, readLoggedEvents, type KillOutcome } from '../helpers/kill-on-event.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.js';
import { readFileEvents, readNatsEvents, runIntegrity } from '../helpers/run-integrity.js';
import { show, tookOverFrom, type LockerResult } from '../helpers/run-locker.js';
import { expectCleanClusterRun, untilSucceeded } from '../helpers/cluster-run-checks.js';

const tally = createFaultTally('fault-control-point');
let env: LxcEnv;
let work: string;
const projects: string[] = [];
let nextPort = 20000 + Math.floor(Math.random() * 20000);

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = mkdtempSync(path.join(tmpdir(), 'locker-fault-cp-'));
});

afterAll(async () => {
  await cleanUp([
    () => killStartedLockers(),
    async () => env && releaseDhcpLeases(env.lxcpath),
    async () => env?.destroyAll(),
    ...projects.map((p) => () => removeRulesTagged(ruleTag(p))),
    async () => work && rmSync(work, { recursive: true, force: true }),
    () => tally.report(),
  ]);
});

interface KillPoint {
  label: string;
  what: string;
  reached(events: LockerEvent[]): boolean;
  /** db's template takes a while: the kill lands while its lxc-create runs, and that survives the kill. */
  slowDbTemplate?: boolean;
  /** Where to kill instead, on a fresh project, if the run got past this point before the kill. */
  late?: Omit<KillPoint, 'late'>;
}

const POINTS: KillPoint[] = [
  { label: 'a', what: 'right after run.started', reached: (ev) => ev.some((e) => e.type === 'run.started') },
  { label: 'b', what: 'after the 3rd action.succeeded', reached: (ev) => succeededIds(ev).size >= 3 },
  {
    label: 'c',
    what: 'after the last action.succeeded, before run.finished',
    reached: (ev) => succeededIds(ev).size >= planSize(ev) && !ev.some((e) => e.type === 'run.finished'),
    late: {
      label: 'c-late',
      what: 'late: every step left is in flight',
      reached: (ev) => inFlight(ev).length > 0 && succeededIds(ev).size + inFlight(ev).length >= planSize(ev),
    },
  },
  {
    label: 'd',
    what: "while db's template runs (its lxc-create outlives the kill)",
    reached: (ev) => ev.some((e) => e.type === 'action.started' && e.actionId === 'local/db/create'),
    slowDbTemplate: true,
  },
];

interface EmbeddedProject {
  project: string;
  dir: string;
  spec: FaultSpecOptions;
  logFile: string;
  locker(...args: string[]): Promise<LockerResult>;
}

function embeddedProject(point: Omit<KillPoint, 'late'>): EmbeddedProject {
  const project = `${env.prefix}${point.label}`;
  projects.push(project);
  const dir = path.join(work, point.label);
  mkdirSync(dir, { recursive: true });
  const spec: FaultSpecOptions = { data: path.join(dir, 'data'), ports: { web: nextPort++, web2: nextPort++ } };
  if (point.slowDbTemplate) {
    spec.dbTemplate = path.join(dir, 'slow-template');
    writeFileSync(spec.dbTemplate, slowTemplateScript(5), { mode: 0o755 });
  }
  writeFileSync(path.join(dir, 'locker.yml'), faultSpec(spec));
  return {
    project,
    dir,
    spec,
    logFile: path.join(dir, '.locker', project, 'events.jsonl'),
    locker: (...args) => runTracked([...args, '-P', env.lxcpath, '-p', project], { cwd: dir }),
  };
}

/** Starts `up` and SIGKILLs it by pid when its log reaches `reached`. */
async function upAndKill(p: EmbeddedProject, reached: KillPoint['reached']): Promise<KillOutcome & { pid: number }> {
  const up = startLocker(['up', '--yes', '-P', env.lxcpath, '-p', p.project], { cwd: p.dir });
  const outcome = await killWhenLogged(up, p.logFile, reached);
  const result = await up.result;
  if (outcome.killed) expect(result.signal).toBe('SIGKILL');
  else expect(result.exitCode, `up ended before the kill point:\n${up.output()}`).toBe(0);
  return { ...outcome, pid: up.pid };
}

describe('embedded: the control point killed, then resume', () => {
  it.each(POINTS)('killed $what: plan warns, resume finishes the run, nothing lost or done twice', async (point) => {
    let p = embeddedProject(point);
    let outcome = await upAndKill(p, point.reached);
    let what = point.what;
    if (!outcome.killed && point.late) {
      tally.note(`the run got past "${point.what}" before the kill; killed ${point.late.what} instead`);
      await releaseDhcpLeases(env.lxcpath);
      expect((await p.locker('down', '--yes')).exitCode).toBe(0);
      p = embeddedProject(point.late);
      outcome = await upAndKill(p, point.late.reached);
      what = point.late.what;
    }
    expect(outcome.killed, 'the run ended before the kill point').toBe(true);
    tally.fault(`embedded control point SIGKILL ${what} (in flight: ${inFlight(outcome.seen).join(', ') || 'nothing'})`);
    const runId = runIdOf(outcome.seen);
    const doneBefore = succeededIds(readLoggedEvents(p.logFile));

    const plan = await p.locker('plan');
    expect([0, 2], show(plan)).toContain(plan.exitCode);
    expect(plan.stderr).toContain(`warning: run ${runId} (locker up, started `);
    expect(plan.stderr).toContain('`locker resume --yes` finishes it');
    // The first command to take the project lock after the kill takes it over at once, naming the dead holder.
    let tookOver: LockerResult | undefined;
    if (plan.exitCode === 0) {
      // Nothing left to change on the host: `up` warns too, and starts no run of its own.
      const up = await p.locker('up', '--yes');
      expect(up.exitCode, show(up)).toBe(0);
      expect(up.stderr).toContain(`warning: run ${runId} (locker up, started `);
      tookOver = up;
    }

    const resumed = await p.locker('resume', '--yes');
    expect(resumed.exitCode, show(resumed)).toBe(0);
    expect((tookOver ?? resumed).stderr).toMatch(tookOverFrom(outcome.pid));
    expect(resumed.stderr).not.toContain('LOCK_HELD');
    expect(resumed.stdout).toContain(`Resuming run ${runId} `);
    tally.recovered(runId);

    const events = await readFileEvents(path.join(p.dir, '.locker'), p.project);
    const resumedAt = events.findIndex((e) => e.type === 'run.resumed');
    expect(events[resumedAt]).toMatchObject({ runId, data: { mode: 'resume' } });
    // What had succeeded before the kill is not dispatched again.
    const redone = events.slice(resumedAt).flatMap((e) => (e.type === 'action.dispatched' && doneBefore.has(e.actionId) ? [e.actionId] : []));
    expect(redone).toEqual([]);
    const runs = runIntegrity(events);
    const host = await checkHosts(p.project, faultSpecHosts(p.spec, [{ host: 'local', lxcpath: env.lxcpath, side: 'both' }]));
    tally.checked(runs, host);
    expect(runs).toEqual([{ runId, status: 'succeeded', actions: planSize(events), lost: [], duplicated: [] }]);
    expect(host.problems).toEqual([]);
    // The copy out of db's /etc/init.d was made from the finished container.
    expect(existsSync(path.join(p.spec.data, 'db', 'rcS'))).toBe(true);

    const after = await p.locker('plan');
    expect(after.exitCode, show(after)).toBe(0);
    expect(after.stderr).not.toContain('has not finished');
    await releaseDhcpLeases(env.lxcpath);
    const down = await p.locker('down', '--yes');
    expect(down.exitCode, show(down)).toBe(0);
  });
});

describe('NATS: the control point killed mid-run with agents alive, then resume', () => {
  const HOSTS = ['alpha', 'beta'];
  let cluster: NatsCluster | undefined;
  let dir: string;
  let project: string;

  beforeAll(async () => {
    dir = path.join(work, 'nats');
    mkdirSync(dir, { recursive: true });
    cluster = await startNatsCluster(HOSTS, dir);
    project = `${env.prefix}n`;
    projects.push(project);
  });

  afterAll(async () => {
    await killStartedLockers();
    await cluster?.stop();
  });

  it('resume finishes the run; the agents ran each job once', async () => {
    const c = cluster!;
    const o: FaultSpecOptions = { data: path.join(dir, 'data'), ports: { web: nextPort++, web2: nextPort++ }, hosts: { web: 'alpha', db: 'beta' } };
    writeFileSync(path.join(dir, 'locker.yml'), faultSpec(o));
    await c.waitAgentsUp(dir, project);
    const events = () => readNatsEvents(c.url, c.controlCreds, project);

    const up = c.startControl(dir, project, 'up', '--yes');
    const seen = await untilSucceeded(events, up, 3);
    expect(up.running(), `the run ended before the kill:\n${up.output()}`).toBe(true);
    await up.kill('SIGKILL');
    tally.fault(`NATS control point SIGKILL after 3 actions succeeded (in flight: ${inFlight(seen).join(', ') || 'nothing'})`);
    const runId = runIdOf(seen);
    const doneBefore = succeededIds(await events());
    expect(doneBefore.size).toBeLessThan(planSize(seen));

    const plan = await c.control(dir, project, 'plan');
    expect([0, 2], show(plan)).toContain(plan.exitCode);
    expect(plan.stderr).toContain(`warning: run ${runId} (locker up, started `);

    // Straight after the kill, well within the lease: the dead holder on this machine is taken over at once.
    const resumed = await c.control(dir, project, 'resume', '--yes');
    expect(resumed.exitCode, `${show(resumed)}\n${c.logs()}`).toBe(0);
    expect(resumed.stderr).toMatch(tookOverFrom(up.pid));
    expect(resumed.stderr).not.toContain('LOCK_HELD');
    expect(resumed.stdout).toContain(`Resuming run ${runId} `);
    tally.recovered(runId);

    const all = await events();
    const resumedAt = all.findIndex((e) => e.type === 'run.resumed');
    expect(resumedAt).toBeGreaterThan(0);
    const redone = all.slice(resumedAt).flatMap((e) => (e.type === 'action.dispatched' && doneBefore.has(e.actionId) ? [e.actionId] : []));
    expect(redone).toEqual([]);
    // Each job ran once on its host: the journals hold one entry per action, every action of the run.
    await expectCleanClusterRun(c, project, o, runId, all, tally);

    const after = await c.control(dir, project, 'plan');
    expect(after.exitCode, show(after)).toBe(0);
    expect(after.stderr).not.toContain('has not finished');
  });
});
