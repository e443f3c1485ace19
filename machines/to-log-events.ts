// What a run writes to the event log, as a function of what its machine emitted: the one mapping.
// Pure: the shell supplies the run's scope and the step's duration (the machines have no wall clock).

import type { NewEvent } from '../src/events/types.js';
import type { RunEmitted, RunOutput } from './run-machine.js';

/** The run every event of it belongs to. */
export interface RunScope {
  project: string;
  runId: string;
  planId: string;
}

/**
 * The log event of one emitted step event. `durationMs` (time since the step was dispatched, or since
 * its host started it) is read only for a step that settled or failed a try.
 */
export function toLogEvent(emitted: RunEmitted, scope: RunScope, durationMs = 0): NewEvent {
  const { action, attempt } = emitted;
  const at = { ...scope, actionId: action.id, host: action.host, container: action.container, attempt };
  const kind = action.kind;
  switch (emitted.type) {
    case 'step.dispatched':
      return { ...at, type: 'action.dispatched', data: { kind } };
    case 'step.started':
      return { ...at, type: 'action.started', data: { kind } };
    case 'step.settled': {
      const { result } = emitted;
      const output = result.output === undefined ? {} : { output: result.output };
      if (!result.ok) return { ...at, type: 'action.failed', data: { kind, error: result.error, ...output, durationMs } };
      return {
        ...at,
        type: 'action.succeeded',
        data: {
          kind,
          outcome: result.outcome,
          durationMs,
          ...(result.detail ? { detail: result.detail } : {}),
          ...(result.warning ? { warning: result.warning } : {}),
          ...output,
        },
      };
    }
    case 'step.retrying':
      return {
        ...at,
        type: 'action.failed',
        data: {
          kind,
          error: emitted.result.error,
          ...(emitted.result.output === undefined ? {} : { output: emitted.result.output }),
          durationMs,
          retry: { inMs: emitted.delayMs, maxAttempts: emitted.maxAttempts },
        },
      };
    case 'step.skipped':
      return { ...at, type: 'action.skipped', data: { kind, because: emitted.because } };
  }
}

/** The last event of a run: the machine's output, counted. */
export function toFinishedEvent(output: RunOutput, scope: RunScope): NewEvent {
  const { counts } = output;
  return {
    ...scope,
    type: 'run.finished',
    data: { outcome: output.outcome, succeeded: counts.succeeded, failed: counts.failed, skipped: counts.skipped },
  };
}
