// The run orchestrator: one container actor per container, dependencies across them, a parallelism bound
// (on the work that loads this machine: stops take no slot, see takesSlot).
// Pure: what a step does and where its events go are supplied from outside (.provide()).

import { type ActorRefFrom, assign, enqueueActions, setup } from 'xstate';
import type { PlannedAction } from '../plans/types.js';
import type { JobResult } from '../src/transport/types.js';
import { type ActionRetried, type ActionRetrying, type ActionSettled, type ActionStarted, containerMachine } from './container-machine.js';
import { blockedByFailure, containerKey, countStatus, pickReady, type StepStatus } from './schedule.js';

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
  actions: PlannedAction[];
  byId: Record<string, PlannedAction>;
  parallelism: number;
  attempts: Record<string, number>;
  status: Record<string, StepStatus>;
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
      const attempt = event.attempt;
      const status = { ...context.status, [action.id]: event.result.ok ? 'succeeded' : 'failed' } as RunContext['status'];
      enqueue.emit({ type: 'step.settled', action, attempt, result: event.result });
      // A failure fails its dependents, not independent work.
      for (const { id, because } of blockedByFailure(context.actions, status)) {
        status[id] = 'skipped';
        enqueue.emit({ type: 'step.skipped', action: context.byId[id]!, attempt: context.attempts[id] ?? 1, because });
      }
      enqueue.assign({ status, attempts: { ...context.attempts, [action.id]: attempt } });
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
      enqueue.emit({ type: 'step.dispatched', action, attempt: event.attempt });
      enqueue.assign({ attempts: { ...context.attempts, [action.id]: event.attempt } });
    }),
    stopRetrying: enqueueActions(({ context, enqueue }) => {
      for (const child of Object.values(context.containers)) enqueue.sendTo(child, { type: 'STOP_RETRYING' });
    }),
    schedule: enqueueActions(({ context, enqueue }) => {
      if (context.interrupted) return;
      const running = countStatus(context.status).running;
      const ready = pickReady(context.actions, context.status, context.parallelism);
      const status = { ...context.status };
      if (ready.length === 0 && running === 0) {
        // Nothing runs and nothing can: what is left waits on a dependency outside this run.
        for (const action of context.actions) {
          if (status[action.id] !== 'pending') continue;
          status[action.id] = 'skipped';
          const because = action.dependsOn.find((d) => status[d] !== 'succeeded') ?? 'an unmet dependency';
          enqueue.emit({ type: 'step.skipped', action, attempt: context.attempts[action.id] ?? 1, because });
        }
        enqueue.assign({ status });
        return;
      }
      for (const action of ready) {
        status[action.id] = 'running';
        const attempt = context.attempts[action.id] ?? 1;
        enqueue.emit({ type: 'step.dispatched', action, attempt });
        enqueue.sendTo(context.containers[containerKey(action)]!, { type: 'RUN', request: { action, attempt } });
      }
      enqueue.assign({ status });
    }),
  },
  guards: {
    finished: ({ context }) => {
      const c = countStatus(context.status);
      return c.running === 0 && (c.pending === 0 || context.interrupted);
    },
  },
}).createMachine({
  id: 'run',
  context: ({ input, spawn }) => {
    const status: Record<string, StepStatus> = {};
    const attempts: Record<string, number> = {};
    const containers: RunContext['containers'] = {};
    for (const action of input.actions) {
      status[action.id] = input.initialStatus?.[action.id] ?? 'pending';
      attempts[action.id] = input.attempts?.[action.id] ?? 1;
      const key = containerKey(action);
      containers[key] ??= spawn('container', { id: key, input: { container: key, random: input.random } });
    }
    return {
      actions: input.actions,
      byId: Object.fromEntries(input.actions.map((a) => [a.id, a])),
      parallelism: Math.max(1, input.parallelism),
      attempts,
      status,
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
    const counts = countStatus(context.status);
    const outcome: RunOutcome =
      counts.failed > 0 || counts.skipped > 0 ? 'failed' : counts.pending > 0 ? 'interrupted' : 'succeeded';
    return { outcome, status: context.status, counts };
  },
});
