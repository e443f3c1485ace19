// Executes a plan: the run machine schedules, the transport runs jobs, every step becomes an event.
// This is the imperative shell around machines/; it never decides what runs, only carries it out.

import { createActor, fromPromise, toPromise } from 'xstate';
import { containerMachine, runMachine, type ActionRequest, type RunOutput, type StepStatus } from '../../machines/index.js';
import type { Plan, PlannedAction } from '../../plans/types.js';
import type { EventStore, RunProcess } from '../events/types.js';
import type { JobResult, Transport } from '../transport/types.js';
import { Recorder } from './recorder.js';
import { newRunId } from './run-id.js';

export type ProgressNote =
  | { type: 'dispatched'; action: PlannedAction }
  /** Its agent took it (a step dispatched but not started waits in its host's queue). */
  | { type: 'started'; action: PlannedAction }
  | { type: 'succeeded'; action: PlannedAction; outcome: 'done' | 'adopted'; durationMs: number }
  | { type: 'failed'; action: PlannedAction; message: string; code: string; durationMs: number }
  | { type: 'skipped'; action: PlannedAction; because: string }
  | { type: 'retrying'; action: PlannedAction; attempt: number; maxAttempts: number; message: string; delayMs: number };

export interface ApplyOptions {
  plan: Plan;
  transport: Transport;
  store: EventStore;
  /** The command line the user ran, for `runs`. */
  command: string;
  parallelism: number;
  onProgress?: (note: ProgressNote) => void;
  /** Aborting stops new dispatches; steps in flight finish. */
  signal?: AbortSignal;
  /** Continue an existing run (retry or resume) instead of starting a new one. */
  continued?: ContinuedRun;
  /** Jitter source for retries (tests fix it). */
  random?: () => number;
  /** This process, recorded with the run: `plan` can tell a run still going from one whose control point died. */
  by?: RunProcess;
}

/** Where a retried or resumed run picks up: what already settled, and the attempt each step runs with. */
export interface ContinuedRun {
  runId: string;
  mode: 'retry' | 'resume';
  initialStatus: Record<string, StepStatus>;
  attempts: Record<string, number>;
}

export interface ApplyResult {
  runId: string;
  output: RunOutput;
}

export async function applyPlan(options: ApplyOptions): Promise<ApplyResult> {
  const { plan, transport, store } = options;
  const runId = options.continued?.runId ?? newRunId();
  const recorder = new Recorder(store);
  const scope = { project: plan.project, runId, planId: plan.planId };
  const startedAt = new Map<string, number>();
  const progress = options.onProgress ?? (() => {});
  const by = options.by ? { by: options.by } : {};
  const actionScope = (action: PlannedAction, attempt: number) => ({
    ...scope,
    actionId: action.id,
    host: action.host,
    container: action.container,
    attempt,
  });

  recorder.record(
    options.continued
      ? { ...scope, type: 'run.resumed', data: { mode: options.continued.mode, command: options.command, ...by } }
      : { ...scope, type: 'run.started', data: { command: options.command, parallelism: options.parallelism, plan, ...by } },
  );
  await recorder.flush();

  const runAction = fromPromise<JobResult, ActionRequest>(async ({ input }) => {
    const { action, attempt } = input;
    // The dispatch is durable before the host is touched: a resumed run knows what may have started.
    await recorder.flush();
    return transport.run(
      { runId, planId: plan.planId, attempt, action },
      {
        started: () => {
          startedAt.set(action.id, Date.now());
          recorder.record({ ...actionScope(action, attempt), type: 'action.started', data: { kind: action.kind } });
          progress({ type: 'started', action });
        },
      },
    );
  });

  const machine = runMachine.provide({
    actors: { container: containerMachine.provide({ actors: { runAction } }) },
  });
  const actor = createActor(machine, {
    input: {
      actions: plan.actions,
      parallelism: options.parallelism,
      initialStatus: options.continued?.initialStatus,
      attempts: options.continued?.attempts,
      random: options.random,
    },
  });

  actor.on('step.dispatched', ({ action, attempt }) => {
    startedAt.set(action.id, Date.now());
    recorder.record({ ...actionScope(action, attempt), type: 'action.dispatched', data: { kind: action.kind } });
    progress({ type: 'dispatched', action });
  });
  actor.on('step.settled', ({ action, attempt, result }) => {
    const durationMs = Date.now() - (startedAt.get(action.id) ?? Date.now());
    if (result.ok) {
      recorder.record({
        ...actionScope(action, attempt),
        type: 'action.succeeded',
        data: { kind: action.kind, outcome: result.outcome, durationMs, ...(result.detail ? { detail: result.detail } : {}) },
      });
      progress({ type: 'succeeded', action, outcome: result.outcome, durationMs });
    } else {
      recorder.record({
        ...actionScope(action, attempt),
        type: 'action.failed',
        data: { kind: action.kind, error: result.error, durationMs },
      });
      progress({ type: 'failed', action, message: result.error.message, code: result.error.code, durationMs });
    }
  });
  actor.on('step.retrying', ({ action, attempt, maxAttempts, result, delayMs }) => {
    const durationMs = Date.now() - (startedAt.get(action.id) ?? Date.now());
    recorder.record({
      ...actionScope(action, attempt),
      type: 'action.failed',
      data: { kind: action.kind, error: result.error, durationMs, retry: { inMs: delayMs, maxAttempts } },
    });
    progress({ type: 'retrying', action, attempt, maxAttempts, message: result.error.message, delayMs });
  });
  actor.on('step.skipped', ({ action, attempt, because }) => {
    recorder.record({ ...actionScope(action, attempt), type: 'action.skipped', data: { kind: action.kind, because } });
    progress({ type: 'skipped', action, because });
  });

  const interrupt = () => actor.send({ type: 'INTERRUPT' });
  options.signal?.addEventListener('abort', interrupt, { once: true });
  actor.start();
  let output: RunOutput;
  try {
    output = await toPromise(actor);
  } finally {
    options.signal?.removeEventListener('abort', interrupt);
  }

  recorder.record({
    ...scope,
    type: 'run.finished',
    data: {
      outcome: output.outcome,
      succeeded: output.counts.succeeded,
      failed: output.counts.failed,
      skipped: output.counts.skipped,
    },
  });
  await recorder.flush();
  return { runId, output };
}
