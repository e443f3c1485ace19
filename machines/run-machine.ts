// The run orchestrator: one container actor per container, dependencies across them, a parallelism bound
// (on the work that loads this machine: stops take no slot, see takesSlot).
// Pure: what a step does and where its events go are supplied from outside (.provide()).

import { type ActorRefFrom, assign, enqueueActions, setup } from 'xstate';
import type { PlannedAction } from '../plans/types.js';
import type { JobResult } from '../src/transport/types.js';
import { type ActionRetried, type ActionRetrying, type ActionSettled, type ActionStarted, containerMachine } from './container-machine.js';
import { RunBook } from './run-book.js';
import { containerKey, type StepStatus } from './schedule.js';

export interface RunInput {
  actions: PlannedAction[];
  parallelism: number;
  /** Attempt number each action runs with (default 1). */
  attempts?: Record<string, number>;
  /** Actions already settled before this run machine started (a retry or resume keeps them). */
  initialStatus?: Record<string, StepStatus>;
  /** Source of the retry jitter (Math.random unless a test fixes it). */
  random?: () => number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'interrupted';

export interface RunOutput {
  outcome: RunOutcome;
  status: Record<string, StepStatus>;
  counts: Record<StepStatus, number>;
}

export type RunEvent = ActionStarted | ActionSettled | ActionRetrying | ActionRetried | { type: 'INTERRUPT' };

interface RunContext {
  /**
   * Each step's status and attempt. Updated in place by this machine's own actions, one event at a time:
   * a copy per event made a run O(actions²). Nothing outside the machine holds it (the output copies it).
   */
  book: RunBook;
  byId: Record<string, PlannedAction>;
  parallelism: number;
  interrupted: boolean;
  containers: Record<string, ActorRefFrom<typeof containerMachine>>;
}

/** What the machine tells the outside: the only source of a run's action events (see to-log-events.ts). */
export type RunEmitted =
  | { type: 'step.dispatched'; action: PlannedAction; attempt: number }
  /** Its host took the job (a dispatched step that has not started waits in its host's queue). */
  | { type: 'step.started'; action: PlannedAction; attempt: number }
  | { type: 'step.settled'; action: PlannedAction; attempt: number; result: JobResult }
  | { type: 'step.skipped'; action: PlannedAction; attempt: number; because: string }
  | {
      type: 'step.retrying';
      action: PlannedAction;
      attempt: number;
      maxAttempts: number;
      result: Extract<JobResult, { ok: false }>;
      delayMs: number;
    };

export const runMachine = setup({
  types: {
    context: {} as RunContext,
    input: {} as RunInput,
    events: {} as RunEvent,
    output: {} as RunOutput,
    emitted: {} as RunEmitted,
  },
  actors: { container: containerMachine },
  actions: {
    settle: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ACTION_SETTLED') return;
      const action = context.byId[event.actionId];
      if (!action) return;
      const { book } = context;
      const attempt = event.attempt;
      book.setAttempt(action.id, attempt);
      enqueue.emit({ type: 'step.settled', action, attempt, result: event.result });
      // A failure fails its dependents, not independent work.
      for (const { id, because } of book.settle(action.id, event.result.ok)) {
        enqueue.emit({ type: 'step.skipped', action: context.byId[id]!, attempt: book.attemptOf(id), because });
      }
    }),
    started: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ACTION_STARTED') return;
      const action = context.byId[event.actionId];
      if (!action) return;
      enqueue.emit({ type: 'step.started', action, attempt: event.attempt });
    }),
    retrying: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ACTION_RETRYING') return;
      const action = context.byId[event.actionId];
      if (!action) return;
      const { attempt, maxAttempts, result, delayMs } = event;
      enqueue.emit({ type: 'step.retrying', action, attempt, maxAttempts, result, delayMs });
    }),
    retried: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'ACTION_RETRIED') return;
      const action = context.byId[event.actionId];
      if (!action) return;
      context.book.setAttempt(action.id, event.attempt);
      enqueue.emit({ type: 'step.dispatched', action, attempt: event.attempt });
    }),
    stopRetrying: enqueueActions(({ context, enqueue }) => {
      for (const child of Object.values(context.containers)) enqueue.sendTo(child, { type: 'STOP_RETRYING' });
    }),
    schedule: enqueueActions(({ context, enqueue }) => {
      if (context.interrupted) return;
      const { book } = context;
      const ready = book.start(context.parallelism);
      if (ready.length === 0 && book.counts.running === 0) {
        // Nothing runs and nothing can: what is left waits on a dependency outside this run.
        for (const { action, because } of book.skipStranded()) {
          enqueue.emit({ type: 'step.skipped', action, attempt: book.attemptOf(action.id), because });
        }
        return;
      }
      for (const action of ready) {
        enqueue.emit({ type: 'step.dispatched', action, attempt: book.attemptOf(action.id) });
        enqueue.sendTo(context.containers[containerKey(action)]!, { type: 'RUN', request: { action, attempt: book.attemptOf(action.id) } });
      }
    }),
  },
  guards: {
    finished: ({ context }) => {
      const c = context.book.counts;
      return c.running === 0 && (c.pending === 0 || context.interrupted);
    },
  },
}).createMachine({
  id: 'run',
  context: ({ input, spawn }) => {
    const containers: RunContext['containers'] = {};
    for (const action of input.actions) {
      const key = containerKey(action);
      containers[key] ??= spawn('container', { id: key, input: { container: key, random: input.random } });
    }
    return {
      book: new RunBook(input.actions, input.initialStatus, input.attempts),
      byId: Object.fromEntries(input.actions.map((a) => [a.id, a])),
      parallelism: Math.max(1, input.parallelism),
      interrupted: false,
      containers,
    };
  },
  initial: 'running',
  states: {
    running: {
      entry: 'schedule',
      always: { guard: 'finished', target: 'done' },
      on: {
        ACTION_STARTED: { actions: 'started' },
        ACTION_SETTLED: { actions: ['settle', 'schedule'] },
        ACTION_RETRYING: { actions: 'retrying' },
        ACTION_RETRIED: { actions: 'retried' },
        // No new dispatch, no new retry; what is in flight finishes.
        INTERRUPT: { actions: [assign({ interrupted: true }), 'stopRetrying'] },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => {
    const counts = { ...context.book.counts };
    const outcome: RunOutcome =
      counts.failed > 0 || counts.skipped > 0 ? 'failed' : counts.pending > 0 ? 'interrupted' : 'succeeded';
    return { outcome, status: context.book.snapshot(), counts };
  },
});
