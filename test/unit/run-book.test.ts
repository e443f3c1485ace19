import { describe, expect, it } from 'vitest';
import { blockedByFailure, pickReady, type StepStatus } from '../../machines/index.js';
import { RunBook } from '../../machines/run-book.js';
import type { PlannedAction } from '../../plans/types.js';
import { makeAction } from '../helpers/actions.js';

/** A small deterministic generator, so a failing seed can be replayed. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    // mulberry32
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const KINDS = ['create', 'write-mounts', 'set-network', 'start', 'stop', 'destroy'] as const;

/** Chains per container, edges to earlier steps of other containers, now and then one outside the run. */
function randomPlan(r: () => number): PlannedAction[] {
  const actions: PlannedAction[] = [];
  const containers = 1 + Math.floor(r() * 6);
  for (let c = 0; c < containers; c++) {
    const steps = 1 + Math.floor(r() * 4);
    for (let s = 0; s < steps; s++) {
      const kind = KINDS[Math.floor(r() * KINDS.length)]!;
      const dependsOn: string[] = [];
      const own = actions.filter((a) => a.container === `c${c}`).at(-1);
      if (own !== undefined) dependsOn.push(own.id);
      if (actions.length > 0 && r() < 0.3) dependsOn.push(actions[Math.floor(r() * actions.length)]!.id);
      if (r() < 0.05) dependsOn.push('elsewhere/x/create');
      actions.push(makeAction({ kind: 'start' }, { id: `h/c${c}/${s}-${kind}`, container: `c${c}`, kind, dependsOn }));
    }
  }
  return actions;
}

/** Drives a book and the rules of schedule.ts side by side through one random run; they must agree at every step. */
function replay(seed: number): void {
  const r = rng(seed);
  const actions = randomPlan(r);
  const parallelism = 1 + Math.floor(r() * 3);
  const initial: Record<string, StepStatus> = {};
  for (const a of actions) {
    const x = r();
    if (x < 0.15) initial[a.id] = 'succeeded';
    else if (x < 0.2) initial[a.id] = 'failed';
  }
  const book = new RunBook(actions, initial);
  const rules: Record<string, StepStatus> = Object.fromEntries(actions.map((a) => [a.id, initial[a.id] ?? 'pending']));
  for (let round = 0; round < 1000; round++) {
    const expected = pickReady(actions, rules, parallelism).map((a) => a.id);
    expect(book.start(parallelism).map((a) => a.id), `seed ${seed}: ready`).toEqual(expected);
    for (const id of expected) rules[id] = 'running';
    const running = actions.filter((a) => rules[a.id] === 'running');
    if (running.length === 0) {
      const stranded = actions.filter((a) => rules[a.id] === 'pending').map((a) => a.id);
      expect(book.skipStranded().map((s) => s.action.id), `seed ${seed}: stranded`).toEqual(stranded);
      for (const id of stranded) rules[id] = 'skipped';
      break;
    }
    const settled = running[Math.floor(r() * running.length)]!;
    const ok = r() < 0.85;
    rules[settled.id] = ok ? 'succeeded' : 'failed';
    const blocked = blockedByFailure(actions, rules);
    for (const b of blocked) rules[b.id] = 'skipped';
    expect(book.settle(settled.id, ok), `seed ${seed}: blocked`).toEqual(blocked);
    expect(book.snapshot(), `seed ${seed}: status`).toEqual(rules);
  }
  expect(book.snapshot()).toEqual(rules);
  expect(Object.values(rules).filter((s) => s === 'pending' || s === 'running')).toEqual([]);
  const counts = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const s of Object.values(rules)) counts[s] += 1;
  expect(book.counts).toEqual(counts);
}

describe('run book (the run machine\'s incremental status)', () => {
  it('picks, fails and strands exactly what the scheduling rules do, over 300 random runs', () => {
    for (let seed = 1; seed <= 300; seed++) replay(seed);
  });

  it('a step whose dependency failed before a resumed run is skipped with the first settle, naming that dependency', () => {
    const actions = [
      makeAction({ kind: 'start' }, { id: 'a', container: 'a', kind: 'create' }),
      makeAction({ kind: 'start' }, { id: 'b', container: 'b', kind: 'start', dependsOn: ['a'] }),
      makeAction({ kind: 'start' }, { id: 'c', container: 'c', kind: 'create' }),
    ];
    const book = new RunBook(actions, { a: 'failed' });
    expect(book.start(4).map((a) => a.id)).toEqual(['c']);
    expect(book.settle('c', true)).toEqual([{ id: 'b', because: 'a' }]);
    expect(book.counts).toMatchObject({ failed: 1, skipped: 1, succeeded: 1, pending: 0 });
  });
});
