// Pure scheduling rules of a run: which actions may start now, and what a failure takes down with it.
// No I/O and no clocks: the run machine calls these with its context.

import type { PlannedAction } from '../plans/types.js';
import { takesSlot } from '../plans/work-slots.js';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped';

/** One actor per container: the key that serialises a container's actions. */
export function containerKey(action: Pick<PlannedAction, 'host' | 'container'>): string {
  return `${action.host}/${action.container}`;
}

/**
 * Actions whose dependencies all succeeded, whose container is idle, in plan order: those that take a
 * slot (takesSlot), as many as `parallelism` leaves free beside the ones running; the others (stops),
 * all of them.
 */
export function pickReady(
  actions: readonly PlannedAction[],
  status: Readonly<Record<string, StepStatus>>,
  parallelism: number,
): PlannedAction[] {
  const running = actions.filter((a) => status[a.id] === 'running');
  const busy = new Set(running.map(containerKey));
  let slots = parallelism - running.filter(takesSlot).length;
  const picked: PlannedAction[] = [];
  for (const action of actions) {
    if (status[action.id] !== 'pending') continue;
    const key = containerKey(action);
    if (busy.has(key)) continue;
    const slot = takesSlot(action);
    if (slot && slots <= 0) continue;
    if (!action.dependsOn.every((d) => status[d] === 'succeeded')) continue;
    busy.add(key);
    if (slot) slots -= 1;
    picked.push(action);
  }
  return picked;
}

/**
 * Pending actions that can no longer run because one of their dependencies failed or was skipped,
 * transitively, each with the action that blocks it. Plan order guarantees dependencies come first.
 */
export function blockedByFailure(
  actions: readonly PlannedAction[],
  status: Readonly<Record<string, StepStatus>>,
): Array<{ id: string; because: string }> {
  const dead = new Map<string, string>();
  for (const action of actions) {
    const s = status[action.id];
    if (s === 'failed' || s === 'skipped') dead.set(action.id, action.id);
  }
  const blocked: Array<{ id: string; because: string }> = [];
  for (const action of actions) {
    if (status[action.id] !== 'pending') continue;
    const culprit = action.dependsOn.find((d) => dead.has(d));
    if (culprit === undefined) continue;
    const because = dead.get(culprit) ?? culprit;
    dead.set(action.id, because);
    blocked.push({ id: action.id, because });
  }
  return blocked;
}

export function countStatus(status: Readonly<Record<string, StepStatus>>): Record<StepStatus, number> {
  const counts: Record<StepStatus, number> = { pending: 0, running: 0, succeeded: 0, failed: 0, skipped: 0 };
  for (const s of Object.values(status)) counts[s] += 1;
  return counts;
}
