// Realistic events for the event-log benchmarks: runs of a plan of 50 actions, each dispatched, started
// and succeeded, as apply records them.

import type { LockerEvent, NewEvent } from '../src/events/types.js';

export const LOG_PROJECT = 'benchlog';
const KINDS = ['clone', 'write-mounts', 'install-hostname-hook', 'start', 'forward-ports'];

function plannedAction(run: number, i: number) {
  const container = `c${String(i).padStart(3, '0')}`;
  const kind = KINDS[i % KINDS.length]!;
  return {
    id: `local/${container}/${kind}`,
    host: 'local',
    project: LOG_PROJECT,
    container,
    lxcName: `${LOG_PROJECT}_${container}`,
    kind,
    symbol: '+',
    reason: 'missing',
    detail: `first ${kind} of ${container} (run ${run})`,
    dependsOn: i === 0 ? [] : [`local/c${String(i - 1).padStart(3, '0')}/${KINDS[(i - 1) % KINDS.length]}`],
    specRef: { file: 'locker.yml', line: 3 + i * 4, col: 3, path: `containers.${container}` },
    params: { kind: 'start' },
  };
}

/** One action.succeeded event as the recorder appends it (≈ 350 bytes as JSON). */
export function succeededEvent(i: number): NewEvent {
  const container = `c${String(i % 1000).padStart(3, '0')}`;
  return {
    type: 'action.succeeded',
    project: LOG_PROJECT,
    runId: 'r20260101-000000-beef',
    planId: 'p'.repeat(12),
    actionId: `local/${container}/start`,
    host: 'local',
    container,
    attempt: 1,
    data: { kind: 'start', outcome: 'done', durationMs: 32, detail: `started ${LOG_PROJECT}_${container}` },
  };
}

/** `runs` runs of `actionsPerRun` actions: plan.created, run.started (with the plan), 3 events per action, run.finished. */
export function buildLog(totalEvents: number, actionsPerRun = 50): LockerEvent[] {
  const events: LockerEvent[] = [];
  let seq = 0;
  const base = Date.parse('2026-01-01T00:00:00Z');
  const stamp = <T extends object>(e: T) => ({ v: 1 as const, seq: ++seq, ts: new Date(base + seq * 37).toISOString(), ...e });
  for (let run = 0; events.length < totalEvents; run++) {
    const runId = `r20260101-${String(run).padStart(6, '0')}-beef`;
    const planId = `plan${String(run).padStart(8, '0')}`;
    const actions = Array.from({ length: actionsPerRun }, (_, i) => plannedAction(run, i));
    const scope = { project: LOG_PROJECT, runId, planId };
    events.push(stamp({ type: 'plan.created', project: LOG_PROJECT, planId, data: { mode: 'up', actions: actionsPerRun, specDigest: 'd'.repeat(64) } }) as LockerEvent);
    events.push(stamp({ ...scope, type: 'run.started', data: { command: 'locker up --yes', parallelism: 4, plan: { version: 1, planId, actions } } }) as LockerEvent);
    for (const a of actions) {
      const s = { ...scope, actionId: a.id, host: a.host, container: a.container, attempt: 1 };
      events.push(stamp({ ...s, type: 'action.dispatched', data: { kind: a.kind } }) as LockerEvent);
      events.push(stamp({ ...s, type: 'action.started', data: { kind: a.kind } }) as LockerEvent);
      events.push(stamp({ ...s, type: 'action.succeeded', data: { kind: a.kind, outcome: 'done', durationMs: 12, detail: `did ${a.kind}` } }) as LockerEvent);
    }
    events.push(stamp({ ...scope, type: 'run.finished', data: { outcome: 'succeeded', succeeded: actionsPerRun, failed: 0, skipped: 0 } }) as LockerEvent);
  }
  // The last run may be cut short: a run still in progress is a valid log too.
  return events.slice(0, totalEvents);
}
