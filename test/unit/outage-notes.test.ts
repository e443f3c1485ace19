// What the control point tells while hosts are away and runs are unfinished: the hosts the log knows,
// who runs an unfinished run, the "waiting for HOST" lines of a run, and how ages read.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedAction } from '../../plans/index.js';
import type { ProgressNote } from '../../src/apply/index.js';
import type { AgentPresence } from '../../src/cli/control-point.js';
import { formatAge } from '../../src/cli/output.js';
import { QUEUE_REFRESH_MS, QueueWatch } from '../../src/cli/queue-watch.js';
import { describeUnfinished } from '../../src/cli/unfinished-runs.js';
import { foldRuns, hostsOfRuns, parseEventLog, type LockerEvent, type RunView } from '../../src/events/index.js';

const recorded = parseEventLog(readFileSync(join(import.meta.dirname, '../fixtures/events/three-runs.jsonl'), 'utf8'));

function runStarted(seq: number, runId: string, plan: unknown, by?: { pid: number; hostname: string }): LockerEvent {
  return {
    v: 1,
    seq,
    ts: `2026-03-02T10:00:0${seq}.000Z`,
    project: 'shop',
    runId,
    planId: `p-${runId}`,
    type: 'run.started',
    data: { command: 'up', parallelism: 4, plan, ...(by ? { by } : {}) },
  };
}

const planOn = (digests: string[], actionHosts: string[]) => ({
  observedDigests: Object.fromEntries(digests.map((h) => [h, 'sha256:x'])),
  actions: actionHosts.map((h, i) => ({ id: `${h}/c${i}/create`, host: h, container: `c${i}`, kind: 'create' })),
});

describe('hostsOfRuns: the hosts the project ran on, from the log', () => {
  it('reads the hosts of a recorded log', () => {
    expect(hostsOfRuns(recorded)).toEqual(['local']);
  });

  it("unions every run's digests and action hosts, sorted", () => {
    const events = [runStarted(1, 'r1', planOn(['h2', 'h1'], ['h2'])), runStarted(2, 'r2', planOn(['h1'], ['h9']))];
    expect(hostsOfRuns(events)).toEqual(['h1', 'h2', 'h9']);
  });

  it('a recorded plan it cannot read adds no host (the run folds report it)', () => {
    expect(hostsOfRuns([runStarted(1, 'r1', { observedDigests: 'nope' }), runStarted(2, 'r2', planOn(['h1'], []))])).toEqual(['h1']);
  });
});

describe('RunView.by: the process running a run', () => {
  const by = { pid: 4242, hostname: 'cp1' };
  const started = runStarted(1, 'r1', planOn(['h1'], ['h1']), by);
  const resumed = (seq: number, who?: typeof by): LockerEvent => ({
    v: 1,
    seq,
    ts: '2026-03-02T10:01:00.000Z',
    project: 'shop',
    runId: 'r1',
    planId: 'p-r1',
    type: 'run.resumed',
    data: { mode: 'resume', command: 'resume', ...(who ? { by: who } : {}) },
  });

  it('is the starter, then whoever resumed it', () => {
    expect(foldRuns([started])[0]?.by).toEqual(by);
    expect(foldRuns([started, resumed(2, { pid: 7, hostname: 'cp2' })])[0]?.by).toEqual({ pid: 7, hostname: 'cp2' });
  });

  it('is unknown after a resume by a process the log does not name', () => {
    expect(foldRuns([started, resumed(2)])[0]?.by).toBeUndefined();
  });

  it('is absent in logs written before it was recorded', () => {
    expect(foldRuns(recorded).every((r) => r.by === undefined)).toBe(true);
  });
});

describe('describeUnfinished: resume only what nobody runs', () => {
  const run = { runId: 'r1', command: 'up', startedAt: '2026-03-02T10:00:01.000Z', by: { pid: 4242, hostname: 'cp1' } } as RunView;
  const holder = (pid: number, hostname: string) => ({ pid, hostname, since: '2026-03-02T10:00:00.000Z', command: 'up' });

  it.each([
    { name: 'its process holds the lock: still running, and where', run, holder: holder(4242, 'cp1'), says: /is still running: pid 4242 on cp1/, resume: false },
    { name: 'nobody holds the lock: gone, resume', run, holder: undefined, says: /control point \(pid 4242 on cp1\) is gone/, resume: true },
    { name: 'another process holds the lock: gone, resume', run, holder: holder(5, 'cp1'), says: /is gone/, resume: true },
    { name: 'same pid on another machine: gone', run, holder: holder(4242, 'cp2'), says: /is gone/, resume: true },
    { name: 'an older log, the lock held: may still run, names the holder', run: { ...run, by: undefined }, holder: holder(5, 'cp9'), says: /may still be running: the project lock is held by pid 5 on cp9 \(up\)/, resume: true },
    { name: 'an older log, no lock: gone', run: { ...run, by: undefined }, holder: undefined, says: /has not finished and its control point is gone/, resume: true },
  ])('$name', (t) => {
    const line = describeUnfinished(t.run, t.holder);
    expect(line).toMatch(t.says);
    expect(line.includes('locker resume')).toBe(t.resume);
  });
});

function action(host: string, container: string, kind: PlannedAction['kind']): PlannedAction {
  return {
    id: `${host}/${container}/${kind}`,
    host,
    project: 'shop',
    container,
    lxcName: `shop_${container}`,
    kind,
    symbol: '+',
    reason: 'missing',
    detail: '',
    dependsOn: [],
    params: { kind } as PlannedAction['params'],
  };
}

describe('QueueWatch: "waiting for HOST" while its agent is away', () => {
  const actions = [
    action('h1', 'a', 'create'),
    action('h5', 'x', 'create'),
    action('h5', 'y', 'create'),
    action('h5', 'x', 'start'),
    action('h5', 'y', 'start'),
  ];
  const byId = new Map(actions.map((a) => [a.id, a]));

  function watch(presence: Record<string, AgentPresence>, settled: string[] = []) {
    const lines: string[] = [];
    let now = Date.parse('2026-03-02T10:00:00Z');
    const w = new QueueWatch({
      actions,
      settled: new Set(settled),
      presence: async (host) => presence[host] ?? { state: 'up' },
      say: (line) => lines.push(line),
      now: () => now,
    });
    const note = (type: ProgressNote['type'], id: string) => w.note({ type, action: byId.get(id)! } as ProgressNote);
    return { w, lines, note, advance: (ms: number) => (now += ms) };
  }

  it('names the host, since when it is down, and how many steps wait in its queue and after them', async () => {
    const presence: Record<string, AgentPresence> = { h5: { state: 'down', ageMs: 25_000 } };
    const { w, lines, note } = watch(presence);
    note('dispatched', 'h1/a/create');
    note('dispatched', 'h5/x/create');
    note('dispatched', 'h5/y/create');
    await w.poll();
    expect(lines).toEqual(['waiting for h5 (down since 2026-03-02T09:59:35Z, last heartbeat 25s ago): 2 steps queued, 2 more after them']);
  });

  it('is said again when it changes, and every little while when it does not, then when the host is back', async () => {
    const presence: Record<string, AgentPresence> = { h5: { state: 'down', ageMs: 10_000 } };
    const { w, lines, note, advance } = watch(presence);
    note('dispatched', 'h5/x/create');
    await w.poll();
    await w.poll();
    expect(lines).toHaveLength(1);
    note('dispatched', 'h5/y/create');
    await w.poll();
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/: 2 steps queued, 2 more after them$/);
    advance(QUEUE_REFRESH_MS);
    presence.h5 = { state: 'down', ageMs: 10_000 + QUEUE_REFRESH_MS };
    await w.poll();
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/last heartbeat 20s ago\): 2 steps queued/);
    presence.h5 = { state: 'up' };
    await w.poll();
    expect(lines[3]).toBe('h5 is back: its queued steps run');
    note('started', 'h5/x/create');
    note('started', 'h5/y/create');
    await w.poll();
    expect(lines).toHaveLength(4);
  });

  it('is back once its agent took the queued steps, before its heartbeat says so', async () => {
    const presence: Record<string, AgentPresence> = { h5: { state: 'down', ageMs: 10_000 } };
    const { w, lines, note } = watch(presence);
    note('dispatched', 'h5/x/create');
    await w.poll();
    note('started', 'h5/x/create');
    await w.poll();
    expect(lines.slice(1)).toEqual(['h5 is back: its queued steps run']);
  });

  it('a host whose steps were taken after the last look is said back when the watch stops; one still waiting is not', async () => {
    const presence: Record<string, AgentPresence> = { h1: { state: 'down', ageMs: 10_000 }, h5: { state: 'down', ageMs: 10_000 } };
    const { w, lines, note } = watch(presence);
    note('dispatched', 'h1/a/create');
    note('dispatched', 'h5/x/create');
    await w.poll();
    expect(lines).toHaveLength(2);
    note('succeeded', 'h5/x/create');
    await w.stop();
    expect(lines.slice(2)).toEqual(['h5 is back: its queued steps run']);
  });

  it('says nothing of hosts whose agent is up, however long their steps wait', async () => {
    const { w, lines, note } = watch({});
    note('dispatched', 'h5/x/create');
    await w.poll();
    expect(lines).toEqual([]);
  });

  it('a host no agent ever reported as is said so', async () => {
    const { w, lines, note } = watch({ h5: { state: 'never' } });
    note('dispatched', 'h5/x/create');
    await w.poll();
    expect(lines).toEqual(['waiting for h5 (no agent has reported as h5): 1 step queued, 3 more after them']);
  });

  it('steps a continued run already settled are not counted', async () => {
    const { w, lines, note } = watch({ h5: { state: 'down', ageMs: 1_000 } }, ['h5/x/create', 'h5/x/start']);
    note('dispatched', 'h5/y/create');
    await w.poll();
    expect(lines).toEqual([expect.stringMatching(/: 1 step queued, 1 more after them$/)]);
  });

  it('a step waiting out a retry back-off is not in a queue', async () => {
    const { w, lines, note } = watch({ h5: { state: 'down', ageMs: 1_000 } });
    note('dispatched', 'h5/x/create');
    note('retrying', 'h5/x/create');
    await w.poll();
    expect(lines).toEqual([]);
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [65_000, '1m 05s'],
    [3_600_000 + 120_000, '1h 02m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d 3h'],
  ])('%i ms reads %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
