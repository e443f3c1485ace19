// What the CLI shows about runs, computed only by folding the log: run status, per-action state.
// Pure, one pass over the events; it never guesses (a run without run.finished is `running`).

import { LockerError, type LockerErrorJSON } from '../errors.js';
import { corrupt } from './parse-log.js';
import { readPlanActions } from './plan-actions.js';
import type { LockerEvent, RunProcess } from './types.js';

export type ActionState = 'pending' | 'dispatched' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'skipped';

export interface ActionView {
  id: string;
  host: string;
  container: string;
  kind: string;
  state: ActionState;
  /** Highest attempt number dispatched, started or finished; 0 before the first. */
  attempts: number;
  outcome?: 'done' | 'adopted';
  durationMs?: number;
  error?: LockerErrorJSON;
  /** The tail of what the step's commands printed (provision), from its last try. */
  output?: string;
  skippedBecause?: string;
  /** While `retrying`: the last attempt the policy allows. */
  maxAttempts?: number;
  /** Seq of the last event that changed this view; 0 when none has. */
  lastSeq: number;
}

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface RunView {
  runId: string;
  planId: string;
  project: string;
  command: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  plan: unknown;
  /** The control point process that started or last continued the run, when the log says. */
  by?: RunProcess;
  /** In plan order. */
  actions: ActionView[];
  /** `pending` is every action not yet succeeded, failed or skipped. */
  counts: { succeeded: number; failed: number; skipped: number; pending: number };
}

type ActionEvent = Extract<LockerEvent, { actionId: string }>;

interface RunFold {
  view: RunView;
  byId: Map<string, ActionView>;
}

/** Every run in the log, in the order they were first started. */
export function foldRuns(events: LockerEvent[]): RunView[] {
  const runs = new Map<string, RunFold>();
  for (const event of events) foldEvent(runs, event);
  return [...runs.values()].map(({ view }) => withCounts(view));
}

export function foldRun(events: LockerEvent[], runId: string): RunView {
  const run = foldRuns(events).find((r) => r.runId === runId);
  if (!run) throw runNotFound(`no run ${runId} in the event log`);
  return run;
}

/** A run by its id or by a prefix of it that matches exactly one run. */
export function findRun(events: LockerEvent[], prefix: string): RunView {
  if (prefix === '') throw new LockerError('USAGE', 'empty run id', { hint: 'list runs with `locker runs`' });
  const runs = foldRuns(events);
  const exact = runs.find((r) => r.runId === prefix);
  if (exact) return exact;
  const matches = runs.filter((r) => r.runId.startsWith(prefix));
  const [only, ...others] = matches;
  if (!only) throw runNotFound(`no run matches ${prefix}`);
  if (others.length > 0) {
    throw new LockerError('USAGE', `run id ${prefix} is ambiguous: it matches ${matches.map((r) => r.runId).join(', ')}`, {
      hint: 'give more characters of the run id',
    });
  }
  return only;
}

function foldEvent(runs: Map<string, RunFold>, event: LockerEvent): void {
  const where = `seq ${event.seq} (${event.type})`;
  switch (event.type) {
    case 'plan.created':
    case 'lock.unlocked':
    case 'exec.finished':
      return;
    case 'run.started': {
      const known = runs.get(event.runId);
      if (!known) {
        runs.set(event.runId, startRun(event, where));
        return;
      }
      // The same run started again (resumed or retried in place): action states carry over.
      if (known.view.planId !== event.planId) {
        throw corrupt(`${where}: run ${event.runId} restarted with plan ${event.planId}, not ${known.view.planId}`);
      }
      known.view.status = 'running';
      delete known.view.finishedAt;
      setProcess(known.view, event.data.by);
      return;
    }
    case 'run.resumed': {
      const run = runOf(runs, event, where);
      run.view.status = 'running';
      delete run.view.finishedAt;
      setProcess(run.view, event.data.by);
      return;
    }
    case 'run.finished': {
      const run = runOf(runs, event, where);
      run.view.status = event.data.outcome;
      run.view.finishedAt = event.ts;
      return;
    }
    default:
      foldActionEvent(actionOf(runOf(runs, event, where), event, where), event);
  }
}

/** A continuation by a process the log does not name is by an unknown one, not by the earlier one. */
function setProcess(view: RunView, by: RunProcess | undefined): void {
  if (by) view.by = by;
  else delete view.by;
}

function startRun(event: Extract<LockerEvent, { type: 'run.started' }>, where: string): RunFold {
  const actions: ActionView[] = readPlanActions(event.data.plan, where).map((a) => ({
    ...a,
    state: 'pending',
    attempts: 0,
    lastSeq: 0,
  }));
  const view: RunView = {
    runId: event.runId,
    planId: event.planId,
    project: event.project,
    command: event.data.command,
    status: 'running',
    startedAt: event.ts,
    plan: event.data.plan,
    actions,
    counts: { succeeded: 0, failed: 0, skipped: 0, pending: actions.length },
    ...(event.data.by ? { by: event.data.by } : {}),
  };
  return { view, byId: new Map(actions.map((a) => [a.id, a])) };
}

function foldActionEvent(action: ActionView, event: ActionEvent): void {
  if (event.type === 'action.skipped') {
    // Skips come from the orchestrator, not from an attempt on a host.
    clearOutcome(action);
    action.state = 'skipped';
    action.skippedBecause = event.data.because;
    action.lastSeq = event.seq;
    return;
  }
  // A late report from a superseded attempt (say a redelivered job) must not undo a newer one.
  if (event.attempt < action.attempts) return;
  if (event.attempt > action.attempts) {
    action.attempts = event.attempt;
    clearOutcome(action);
  }
  action.lastSeq = event.seq;
  switch (event.type) {
    case 'action.dispatched':
      action.state = 'dispatched';
      return;
    case 'action.started':
      action.state = 'running';
      return;
    case 'action.succeeded':
      clearOutcome(action);
      action.state = 'succeeded';
      action.outcome = event.data.outcome;
      action.durationMs = event.data.durationMs;
      if (event.data.output !== undefined) action.output = event.data.output;
      return;
    case 'action.failed':
      clearOutcome(action);
      action.state = event.data.retry ? 'retrying' : 'failed';
      action.error = event.data.error as LockerErrorJSON;
      action.durationMs = event.data.durationMs;
      if (event.data.output !== undefined) action.output = event.data.output;
      if (event.data.retry) action.maxAttempts = event.data.retry.maxAttempts;
      return;
  }
}

function clearOutcome(action: ActionView): void {
  delete action.outcome;
  delete action.durationMs;
  delete action.error;
  delete action.output;
  delete action.skippedBecause;
  delete action.maxAttempts;
}

function runOf(runs: Map<string, RunFold>, event: Extract<LockerEvent, { runId: string }>, where: string): RunFold {
  const run = runs.get(event.runId);
  if (!run) throw corrupt(`${where}: run ${event.runId} was never started`);
  if (run.view.planId !== event.planId) {
    throw corrupt(`${where}: names plan ${event.planId}, but run ${event.runId} runs plan ${run.view.planId}`);
  }
  return run;
}

function actionOf(run: RunFold, event: ActionEvent, where: string): ActionView {
  const action = run.byId.get(event.actionId);
  if (!action) throw corrupt(`${where}: action ${event.actionId} is not in the plan of run ${event.runId}`);
  const differs = action.host !== event.host || action.container !== event.container || action.kind !== event.data.kind;
  if (differs) {
    throw corrupt(
      `${where}: action ${event.actionId} is ${event.data.kind} of ${event.host}/${event.container} in the event ` +
        `but ${action.kind} of ${action.host}/${action.container} in the plan`,
    );
  }
  return action;
}

function withCounts(view: RunView): RunView {
  const counts = { succeeded: 0, failed: 0, skipped: 0, pending: 0 };
  for (const action of view.actions) {
    if (action.state === 'succeeded' || action.state === 'failed' || action.state === 'skipped') counts[action.state] += 1;
    else counts.pending += 1;
  }
  return { ...view, counts };
}

function runNotFound(message: string): LockerError {
  return new LockerError('RUN_NOT_FOUND', message, { hint: 'list runs with `locker runs`' });
}
