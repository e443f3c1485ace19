// Topological order of a plan's actions: every action after what it depends on.
// Stable: when several are free, the one earliest by host, container, then chain position goes first.

import { LockerError } from '../src/errors.js';
import type { PlannedAction } from './types.js';

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function indexById(actions: readonly PlannedAction[]): Map<string, PlannedAction> {
  const byId = new Map<string, PlannedAction>();
  for (const action of actions) {
    if (byId.has(action.id)) throw new LockerError('PLAN_INVALID', `two actions share the id ${action.id}`);
    byId.set(action.id, action);
  }
  for (const action of actions) {
    for (const dep of action.dependsOn) {
      if (!byId.has(dep)) throw new LockerError('PLAN_INVALID', `action ${action.id} depends on unknown action ${dep}`);
    }
  }
  return byId;
}

/** Throws PLAN_CYCLE naming the cycle, e.g. `local/web/start -> local/db/start -> local/web/start`. */
export function orderActions(actions: PlannedAction[]): PlannedAction[] {
  const byId = indexById(actions);
  // Chain position is the input position: the planner emits each container's steps in chain order.
  const ranked = actions
    .map((action, index) => ({ action, index }))
    .sort((a, b) => compareText(a.action.host, b.action.host) || compareText(a.action.container, b.action.container) || a.index - b.index)
    .map(({ action }) => action);
  // Kahn's algorithm; among the free actions the lowest rank goes first (a min-heap of ranks), which is
  // the same order as "the first free one in rank order" at O(n log n) instead of O(n^2).
  const rankOf = new Map(ranked.map((a, i) => [a.id, i]));
  const waiting = new Map(ranked.map((a) => [a.id, new Set(a.dependsOn).size]));
  const dependents = new Map<string, string[]>();
  for (const a of ranked) {
    for (const dep of new Set(a.dependsOn)) {
      const list = dependents.get(dep);
      if (list) list.push(a.id);
      else dependents.set(dep, [a.id]);
    }
  }
  const free = new MinHeap();
  ranked.forEach((a, i) => {
    if (waiting.get(a.id) === 0) free.push(i);
  });
  const done = new Set<string>();
  const ordered: PlannedAction[] = [];
  while (free.size > 0) {
    const next = ranked[free.pop()]!;
    done.add(next.id);
    ordered.push(next);
    for (const id of dependents.get(next.id) ?? []) {
      const left = waiting.get(id)! - 1;
      waiting.set(id, left);
      if (left === 0) free.push(rankOf.get(id)!);
    }
  }
  if (ordered.length < ranked.length) throw cycleError(ranked.filter((a) => !done.has(a.id)), byId, done);
  return ordered;
}

/** A binary min-heap of numbers. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const a = this.items;
    a.push(value);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= a[i]!) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]! < a[m]!) m = l;
        if (r < a.length && a[r]! < a[m]!) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Every remaining action waits on another remaining one, so walking unmet dependencies must loop. */
function cycleError(remaining: PlannedAction[], byId: Map<string, PlannedAction>, done: Set<string>): LockerError {
  const path: string[] = [];
  const seen = new Map<string, number>();
  let current = remaining[0] as PlannedAction;
  while (!seen.has(current.id)) {
    seen.set(current.id, path.length);
    path.push(current.id);
    const unmet = current.dependsOn.find((dep) => !done.has(dep)) as string;
    current = byId.get(unmet) as PlannedAction;
  }
  const cycle = [...path.slice(seen.get(current.id)), current.id];
  const containers = [...new Set(cycle.map((id) => byId.get(id)?.container ?? id))].join(', ');
  return new LockerError('PLAN_CYCLE', `actions depend on each other in a cycle: ${cycle.join(' -> ')}`, {
    hint: `check depends_on and clone of ${containers}`,
  });
}
