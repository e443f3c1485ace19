// One actor per container: runs that container's actions one at a time, as the run machine hands them over,
// and retries a retryable failure after a backoff. Pure: the job runner (.provide()) and the jitter's
// random source (input) come from outside; timers go through xstate's clock (simulated in tests).

import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { PlannedAction } from '../plans/types.js';
import type { JobResult } from '../src/transport/types.js';
import { LockerError, toLockerError } from '../src/errors.js';
import { RETRY_POLICIES, retryDelayMs, shouldRetry } from './retry-policy.js';

export interface ActionRequest {
  action: PlannedAction;
  attempt: number;
}

/** What the job runner gets: the request, and how it tells the machine that the host took the job. */
export interface ActionRun extends ActionRequest {
  started(): void;
}

export type ContainerEvent =
  | { type: 'RUN'; request: ActionRequest }
  /** The runner's host took the job (an agent picked it up); it may still wait for a lock or a command. */
  | { type: 'JOB_STARTED'; actionId: string; attempt: number }
  /** The run was interrupted: a failure waiting for its retry settles now, as it is. */
  | { type: 'STOP_RETRYING' };

/** What the container actor reports to its run when its host starts on an action. */
export interface ActionStarted {
  type: 'ACTION_STARTED';
  actionId: string;
  attempt: number;
}

/** What the container actor reports to its run when an action settles (for good). */
export interface ActionSettled {
  type: 'ACTION_SETTLED';
  actionId: string;
  attempt: number;
  result: JobResult;
}

/** A try failed and will be tried again after `delayMs`. */
export interface ActionRetrying {
  type: 'ACTION_RETRYING';
  actionId: string;
  attempt: number;
  maxAttempts: number;
  result: Extract<JobResult, { ok: false }>;
  delayMs: number;
}

/** A new try started (after a retry delay). */
export interface ActionRetried {
  type: 'ACTION_RETRIED';
  actionId: string;
  attempt: number;
}

interface ContainerContext {
  container: string;
  random: () => number;
  current?: ActionRequest;
  firstAttempt: number;
  last?: JobResult;
  delayMs: number;
}

export const containerMachine = setup({
  types: {
    context: {} as ContainerContext,
    input: {} as { container: string; random?: () => number },
    events: {} as ContainerEvent,
  },
  actors: {
    runAction: fromPromise<JobResult, ActionRun>(async () => {
      throw new LockerError('INTERNAL', 'no job runner was provided to the container machine');
    }),
  },
  delays: {
    retryDelay: ({ context }) => context.delayMs,
  },
  actions: {
    reportSettled: sendParent(({ context }): ActionSettled => ({
      type: 'ACTION_SETTLED',
      actionId: context.current!.action.id,
      attempt: context.current!.attempt,
      result: context.last!,
    })),
  },
  guards: {
    // A late report of an earlier try (or of another action) must not pass for this one.
    isCurrentJob: ({ context, event }) =>
      event.type === 'JOB_STARTED' && event.actionId === context.current?.action.id && event.attempt === context.current.attempt,
    retry: ({ context }) => {
      const { current, last, firstAttempt } = context;
      if (!current || !last || last.ok) return false;
      return shouldRetry(RETRY_POLICIES[current.action.kind], last.error.retryable, current.attempt, firstAttempt);
    },
  },
}).createMachine({
  id: 'container',
  context: ({ input }) => ({ container: input.container, random: input.random ?? Math.random, firstAttempt: 1, delayMs: 0 }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        RUN: {
          target: 'running',
          actions: assign(({ event }) => ({ current: event.request, firstAttempt: event.request.attempt, last: undefined })),
        },
      },
    },
    running: {
      on: {
        JOB_STARTED: {
          guard: 'isCurrentJob',
          actions: sendParent(({ context }): ActionStarted => ({
            type: 'ACTION_STARTED',
            actionId: context.current!.action.id,
            attempt: context.current!.attempt,
          })),
        },
      },
      invoke: {
        src: 'runAction',
        input: ({ context, self }): ActionRun => {
          const { action, attempt } = context.current!;
          return { action, attempt, started: () => self.send({ type: 'JOB_STARTED', actionId: action.id, attempt }) };
        },
        onDone: { target: 'settling', actions: assign({ last: ({ event }) => event.output }) },
        onError: {
          target: 'settling',
          // A runner that throws (instead of returning a failed result) still fails only its action.
          actions: assign({ last: ({ event }) => ({ ok: false, error: toLockerError(event.error).toJSON() }) as JobResult }),
        },
      },
    },
    settling: {
      always: [
        {
          guard: 'retry',
          target: 'waiting',
          actions: [
            assign({
              delayMs: ({ context }) =>
                retryDelayMs(RETRY_POLICIES[context.current!.action.kind], context.current!.attempt, context.random()),
            }),
            sendParent(({ context }): ActionRetrying => ({
              type: 'ACTION_RETRYING',
              actionId: context.current!.action.id,
              attempt: context.current!.attempt,
              maxAttempts: context.firstAttempt + RETRY_POLICIES[context.current!.action.kind].attempts - 1,
              result: context.last as Extract<JobResult, { ok: false }>,
              delayMs: context.delayMs,
            })),
          ],
        },
        {
          target: 'idle',
          actions: 'reportSettled',
        },
      ],
    },
    waiting: {
      on: {
        STOP_RETRYING: {
          target: 'idle',
          actions: 'reportSettled',
        },
      },
      after: {
        retryDelay: {
          target: 'running',
          actions: [
            assign({ current: ({ context }) => ({ ...context.current!, attempt: context.current!.attempt + 1 }) }),
            sendParent(({ context }): ActionRetried => ({
              type: 'ACTION_RETRIED',
              actionId: context.current!.action.id,
              attempt: context.current!.attempt,
            })),
          ],
        },
      },
    },
  },
});
