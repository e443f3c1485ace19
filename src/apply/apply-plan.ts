// Executes a plan: the run machine schedules, the transport runs jobs, every step the machine emits becomes an event.
// This is the imperative shell around machines/; it never decides what runs, only carries it out.

import { createActor, fromPromise, toPromise } from 'xstate';
import {
  containerMachine,
  runMachine,
  toFinishedEvent,
  toLogEvent,
  type ActionRun,
  type RunEmitted,
  type RunOutput,
  type RunScope,
  type StepStatus,
} from '../../machines/index.js';
import type { Plan, PlannedAction } from '../../plans/types.js';
import type { EventStore, RunProcess } from '../events/types.js';
import type { JobResult, Transport } from '../transport/types.js';
import { Recorder } from './recorder.js';
import { newRunId } from './run-id.js';

export type ProgressNote =
  | { type: 'dispatched'; action: PlannedAction }
  /** Its agent took it (a step dispatched but not started waits in its host's queue). */
  | { type: 'started'; action: PlannedAction }
  /** Lines the step's commands printed inside the container, live (not recorded: the result's tail is). */
  | { type: 'output'; action: PlannedAction; lines: string[] }
  | { type: 'succeeded'; action: PlannedAction; outcome: 'done' | 'adopted'; durationMs: number; warning?: string }
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
  const scope: RunScope = { project: plan.project, runId, planId: plan.planId };
  const progress = options.onProgress ?? (() => {});
  const by = options.by ? { by: options.by } : {};

  void recorder.record(
    options.continued
      ? { ...scope, type: 'run.resumed', data: { mode: options.continued.mode, command: options.command, ...by } }
      : { ...scope, type: 'run.started', data: { command: options.command, parallelism: options.parallelism, plan, ...by } },
  );
  await recorder.flush();

  const runAction = fromPromise<JobResult, ActionRun>(async ({ input }) => {
    const { action, attempt } = input;
    // The dispatch is in the log before the host is touched: a run resumed after this process died knows
    // what may have started. Its fsync runs alongside the step (≈ 4 ms each on the bench machine's disk,
    // once per step on the critical path before); a power cut that loses it leaves the step pending, which
    // a resume runs with the same attempt number as a dispatched one.
    await recorder.written();
    // The transport's word that the host took the job goes to the machine, which emits step.started.
    return transport.run(
      { runId, planId: plan.planId, attempt, action },
      { started: input.started, output: (lines) => progress({ type: 'output', action, lines }) },
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

  // Every action event of the run is one the machine emitted, mapped by toLogEvent.
  const since = new Map<string, number>();
  actor.on('*', (emitted) => {
    const now = Date.now();
    const durationMs = now - (since.get(emitted.action.id) ?? now);
    if (emitted.type === 'step.dispatched' || emitted.type === 'step.started') since.set(emitted.action.id, now);
    // Reported once its event is durable: nothing is shown as done that a crash could lose. A failed
    // append is not reported here: the next flush throws it.
    const note = toProgressNote(emitted, durationMs);
    void recorder.record(toLogEvent(emitted, scope, durationMs)).then(
      () => progress(note),
      () => undefined,
    );
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

  void recorder.record(toFinishedEvent(output, scope));
  await recorder.flush();
  return { runId, output };
}

/** What the command's progress display hears of an emitted step event. */
function toProgressNote(emitted: RunEmitted, durationMs: number): ProgressNote {
  const { action } = emitted;
  switch (emitted.type) {
    case 'step.dispatched':
      return { type: 'dispatched', action };
    case 'step.started':
      return { type: 'started', action };
    case 'step.settled': {
      const { result } = emitted;
      return result.ok
        ? { type: 'succeeded', action, outcome: result.outcome, durationMs, ...(result.warning ? { warning: result.warning } : {}) }
        : { type: 'failed', action, message: result.error.message, code: result.error.code, durationMs };
    }
    case 'step.retrying': {
      const { attempt, maxAttempts, result, delayMs } = emitted;
      return { type: 'retrying', action, attempt, maxAttempts, message: result.error.message, delayMs };
    }
    case 'step.skipped':
      return { type: 'skipped', action, because: emitted.because };
  }
}
