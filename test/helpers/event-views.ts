// Small readings of a run's events that fault tests trigger on and report: which actions succeeded,
// which were in flight, how big the plan is, which run it is.

import type { LockerEvent } from '../../src/events/index.js';

const actionIds = (events: readonly LockerEvent[], type: LockerEvent['type']) =>
  events.flatMap((e) => (e.type === type && 'actionId' in e ? [e.actionId] : []));

export const succeededIds = (events: readonly LockerEvent[]): Set<string> => new Set(actionIds(events, 'action.succeeded'));

/** Actions dispatched and not settled: what was in flight when the log stopped. */
export function inFlight(events: readonly LockerEvent[]): string[] {
  const settled = new Set([...actionIds(events, 'action.succeeded'), ...actionIds(events, 'action.failed')]);
  return [...new Set(actionIds(events, 'action.dispatched'))].filter((id) => !settled.has(id));
}

/** Actions of the first run's plan (Infinity before run.started, so "all succeeded" cannot hold early). */
export function planSize(events: readonly LockerEvent[]): number {
  const started = events.find((e) => e.type === 'run.started');
  return started?.type === 'run.started' ? (started.data.plan as { actions: unknown[] }).actions.length : Infinity;
}

export const runIdOf = (events: readonly LockerEvent[]): string => events.find((e) => e.type === 'run.started')?.runId ?? '';
