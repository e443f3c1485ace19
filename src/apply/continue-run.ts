// What a retried or resumed run does next, decided from the fold of its events alone.
// Pure: a RunView in, the steps' starting status and attempt numbers out.

import type { StepStatus } from '../../machines/index.js';
import type { ActionView, RunView } from '../events/projections.js';
import type { ContinuedRun } from './apply-plan.js';

/**
 * `retry`: every step that did not succeed runs again with a new attempt number.
 * `resume`: the run's control point died; settled steps stay as they are, and a step that was in
 * flight is dispatched again with the SAME attempt, so an agent that already did it answers from its
 * journal (and a host action adopts what exists) instead of doing it twice.
 */
export function continueRun(run: RunView, mode: ContinuedRun['mode']): ContinuedRun {
  const initialStatus: Record<string, StepStatus> = {};
  const attempts: Record<string, number> = {};
  for (const action of run.actions) {
    const next = mode === 'retry' ? forRetry(action) : forResume(action);
    initialStatus[action.id] = next.status;
    attempts[action.id] = next.attempt;
  }
  return { runId: run.runId, mode, initialStatus, attempts };
}

function forRetry(a: ActionView): { status: StepStatus; attempt: number } {
  if (a.state === 'succeeded') return { status: 'succeeded', attempt: a.attempts };
  return { status: 'pending', attempt: a.attempts + 1 };
}

function forResume(a: ActionView): { status: StepStatus; attempt: number } {
  switch (a.state) {
    case 'succeeded':
    case 'failed':
    case 'skipped':
      return { status: a.state, attempt: Math.max(1, a.attempts) };
    case 'retrying':
      // The failed try is recorded; the next one had not started.
      return { status: 'pending', attempt: a.attempts + 1 };
    case 'dispatched':
    case 'running':
      return { status: 'pending', attempt: a.attempts };
    case 'pending':
      return { status: 'pending', attempt: Math.max(1, a.attempts) };
  }
}

/** Steps a continuation will run, for the message shown before it does. */
export function stepsToRun(c: ContinuedRun): string[] {
  return Object.entries(c.initialStatus)
    .filter(([, s]) => s === 'pending')
    .map(([id]) => id);
}
