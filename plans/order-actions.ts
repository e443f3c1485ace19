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
  const done = new Set<string>();
  const ordered: PlannedAction[] = [];
  while (ordered.length < ranked.length) {
    const next = ranked.find((a) => !done.has(a.id) && a.dependsOn.every((dep) => done.has(dep)));
    if (next === undefined) throw cycleError(ranked.filter((a) => !done.has(a.id)), byId, done);
    done.add(next.id);
    ordered.push(next);
  }
  return ordered;
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
