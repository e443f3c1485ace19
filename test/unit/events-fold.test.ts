import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRun, foldRun, foldRuns, parseEventLog, type LockerEvent, type RunView } from '../../src/events/index.js';
import { thrown } from '../helpers/errors.js';

// Recorded with the file store: run 1 `up` succeeds; run 2 `up` fails on cache's create twice and
// skips its dependents; run 3 `down` was killed mid-run (no run.finished).
const recorded = parseEventLog(readFileSync(join(import.meta.dirname, '../fixtures/events/three-runs.jsonl'), 'utf8'));
const [OK, FAILED, UNFINISHED] = ['r01hq7k2m4x', 'r01hq7n9c2d', 'r01hq8a1b2c'];

function events(): LockerEvent[] {
  return structuredClone(recorded);
}

function action(run: RunView, id: string) {
  const found = run.actions.find((a) => a.id === id);
  if (!found) throw new Error(`no action ${id} in ${run.runId}`);
  return found;
}

/** Index of the event matching `match`, for slicing the log at a point in history. */
function indexOf(match: (e: LockerEvent) => boolean): number {
  const i = recorded.findIndex(match);
  if (i < 0) throw new Error('no such event');
  return i;
}

describe('foldRuns over a recorded log', () => {
  it('lists every run in start order with its status', () => {
    const runs = foldRuns(events());
    expect(runs.map((r) => [r.runId, r.command, r.status])).toEqual([
      [OK, 'up', 'succeeded'],
      [FAILED, 'up', 'failed'],
      [UNFINISHED, 'down', 'running'],
    ]);
    expect(runs.map((r) => r.project)).toEqual(['shop', 'shop', 'shop']);
  });

  it('folds a successful run: every action succeeded, in plan order, adopted ones marked', () => {
    const run = foldRun(events(), OK);
    expect(run.planId).toBe('p1a2b3c4d5e6');
    expect(run.actions.map((a) => a.id)).toEqual([
      'local/db/create',
      'local/db/write-mounts',
      'local/db/start',
      'local/web/create',
      'local/web/start',
      'local/web/forward-ports',
    ]);
    expect(run.actions.every((a) => a.state === 'succeeded' && a.attempts === 1)).toBe(true);
    expect(action(run, 'local/web/create')).toMatchObject({ outcome: 'adopted', durationMs: 40 });
    expect(action(run, 'local/db/create')).toMatchObject({ outcome: 'done', durationMs: 2300, host: 'local', container: 'db', kind: 'create' });
    expect(run.counts).toEqual({ succeeded: 6, failed: 0, skipped: 0, pending: 0 });
    expect(run.startedAt < (run.finishedAt ?? '')).toBe(true);
    expect((run.plan as { mode: string }).mode).toBe('up');
  });

  it('folds a failed run: the last attempt’s error, skipped dependents, independent work done', () => {
    const run = foldRun(events(), FAILED);
    const create = action(run, 'local/cache/create');
    expect(create).toMatchObject({ state: 'failed', attempts: 2, durationMs: 3100 });
    expect(create.error).toMatchObject({ code: 'LXC_COMMAND_FAILED', retryable: false, message: 'lxc-create failed: no space left on device' });
    for (const id of ['local/cache/start', 'local/cache/forward-ports']) {
      expect(action(run, id)).toMatchObject({ state: 'skipped', skippedBecause: 'local/cache/create failed', attempts: 0 });
    }
    expect(action(run, 'local/web/forward-ports')).toMatchObject({ state: 'succeeded', outcome: 'done' });
    expect(run.counts).toEqual({ succeeded: 1, failed: 1, skipped: 2, pending: 0 });
  });

  it('agrees with the counts each run.finished recorded', () => {
    const runs = foldRuns(events());
    for (const finished of recorded.filter((e) => e.type === 'run.finished')) {
      const run = runs.find((r) => r.runId === finished.runId);
      const { succeeded, failed, skipped } = finished.data;
      expect(run?.counts).toMatchObject({ succeeded, failed, skipped });
    }
  });

  it('leaves a run without run.finished running, with what is left as pending', () => {
    const run = foldRun(events(), UNFINISHED);
    expect(run.status).toBe('running');
    expect(run.finishedAt).toBeUndefined();
    expect(run.actions.map((a) => [a.id, a.state])).toEqual([
      ['local/web/unforward-ports', 'succeeded'],
      ['local/web/stop', 'running'],
      ['local/db/stop', 'pending'],
    ]);
    expect(action(run, 'local/db/stop')).toMatchObject({ attempts: 0, lastSeq: 0 });
    expect(action(run, 'local/web/stop').lastSeq).toBe(recorded.at(-1)?.seq);
    expect(run.counts).toEqual({ succeeded: 1, failed: 0, skipped: 0, pending: 2 });
  });

  it('replays history up to any point: mid-run, after the first failure', () => {
    const cut = indexOf((e) => e.type === 'action.failed' && e.attempt === 1);
    const run = foldRun(events().slice(0, cut + 1), FAILED);
    expect(run.status).toBe('running');
    expect(action(run, 'local/cache/create')).toMatchObject({ state: 'failed', attempts: 1 });
    expect(action(run, 'local/web/forward-ports').state).toBe('running');
    expect(action(run, 'local/cache/start').state).toBe('pending');
    expect(run.counts).toEqual({ succeeded: 0, failed: 1, skipped: 0, pending: 3 });
  });

  it('a new attempt clears the previous attempt’s error', () => {
    const cut = indexOf((e) => e.type === 'action.dispatched' && e.attempt === 2);
    const create = action(foldRun(events().slice(0, cut + 1), FAILED), 'local/cache/create');
    expect(create).toMatchObject({ state: 'dispatched', attempts: 2 });
    expect(create.error).toBeUndefined();
  });

  it('ignores a late report from a superseded attempt', () => {
    const log = events();
    const first = log[indexOf((e) => e.type === 'action.failed' && e.attempt === 1)];
    if (first?.type !== 'action.failed') throw new Error('fixture changed');
    const late: LockerEvent = { ...first, seq: log.length + 1, type: 'action.succeeded', data: { kind: 'create', outcome: 'done', durationMs: 1 } };
    const create = action(foldRun([...log, late], FAILED), 'local/cache/create');
    expect(create).toMatchObject({ state: 'failed', attempts: 2 });
  });

  it('reopens a run started again with the same plan, keeping what already succeeded', () => {
    const log = events();
    const started = log.find((e) => e.type === 'run.started' && e.runId === UNFINISHED);
    if (!started) throw new Error('fixture changed');
    const restarted = { ...structuredClone(started), seq: log.length + 1, ts: '2026-03-02T10:00:00.000Z' };
    const run = foldRun([...log, restarted], UNFINISHED);
    expect(run.status).toBe('running');
    expect(run.startedAt).toBe(started.ts);
    expect(action(run, 'local/web/unforward-ports').state).toBe('succeeded');
  });
});

describe('finding runs', () => {
  it('finds a run by its id or a unique prefix', () => {
    expect(findRun(events(), OK).runId).toBe(OK);
    expect(findRun(events(), 'r01hq7k').runId).toBe(OK);
    expect(findRun(events(), 'r01hq8').runId).toBe(UNFINISHED);
  });

  it('refuses an ambiguous prefix, naming the candidates', () => {
    const error = thrown(() => findRun(events(), 'r01hq7'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(OK);
    expect(error.message).toContain(FAILED);
    expect(thrown(() => findRun(events(), '')).code).toBe('USAGE');
  });

  it('reports an unknown run with a pointer to `locker runs`', () => {
    for (const error of [thrown(() => findRun(events(), 'rzz')), thrown(() => foldRun(events(), 'r01hq7'))]) {
      expect(error.code).toBe('RUN_NOT_FOUND');
      expect(error.hint).toContain('locker runs');
    }
  });

  it('an empty log has no runs', () => {
    expect(foldRuns([])).toEqual([]);
  });
});

describe('a log the fold cannot trust', () => {
  const cases: [string, (log: LockerEvent[]) => LockerEvent[], RegExp][] = [
    [
      'an action event of a run never started',
      (log) => log.filter((e) => !(e.type === 'run.started' && e.runId === FAILED)),
      /^seq \d+ \(action\.dispatched\): run r01hq7n9c2d was never started$/,
    ],
    [
      'run.finished of a run never started',
      (log) => log.filter((e) => !('runId' in e && e.runId === FAILED && e.type !== 'run.finished')),
      /^seq \d+ \(run\.finished\): run r01hq7n9c2d was never started$/,
    ],
    [
      'an action that is not in the run’s plan',
      (log) => log.map((e) => (e.type === 'action.started' && e.actionId === 'local/db/start' ? { ...e, actionId: 'local/db/frobnicate' } : e)),
      /action local\/db\/frobnicate is not in the plan of run r01hq7k2m4x/,
    ],
    [
      'an action whose event disagrees with its plan',
      (log) => log.map((e) => (e.type === 'action.started' && e.actionId === 'local/db/start' ? { ...e, container: 'web' } : e)),
      /is start of local\/web in the event but start of local\/db in the plan/,
    ],
    [
      'a run.started whose plan has no actions list',
      (log) => log.map((e) => (e.type === 'run.started' && e.runId === OK ? { ...e, data: { ...e.data, plan: { actions: 'none' } } } : e)),
      /^seq 2 \(run\.started\): recorded plan is unreadable: plan\.actions: /,
    ],
    [
      'a run started again with another plan',
      (log) => [...log, { ...log[1]!, seq: log.length + 1, planId: 'p-other' } as LockerEvent],
      /restarted with plan p-other/,
    ],
  ];

  it.each(cases)('calls the log corrupt on %s', (_name, damage, message) => {
    const error = thrown(() => foldRuns(damage(events())));
    expect(error.code).toBe('EVENT_LOG_CORRUPT');
    expect(error.message).toMatch(message);
  });
});
