// One actor per container: runs that container's actions one at a time, as the run machine hands them over.
// Pure: the job runner (`runAction`) is supplied from outside with .provide(); the machine does no I/O.

import { assign, fromPromise, sendParent, setup } from 'xstate';
import type { PlannedAction } from '../plans/types.js';
import type { JobResult } from '../src/transport/types.js';
import { LockerError, toLockerError } from '../src/errors.js';

export interface ActionRequest {
  action: PlannedAction;
  attempt: number;
}

export type ContainerEvent = { type: 'RUN'; request: ActionRequest };

/** What the container actor reports to its run when an action settles. */
export interface ActionSettled {
  type: 'ACTION_SETTLED';
  actionId: string;
  result: JobResult;
}

export const containerMachine = setup({
  types: {
    context: {} as { container: string; current?: ActionRequest },
    input: {} as { container: string },
    events: {} as ContainerEvent,
  },
  actors: {
    runAction: fromPromise<JobResult, ActionRequest>(async () => {
      throw new LockerError('INTERNAL', 'no job runner was provided to the container machine');
    }),
  },
}).createMachine({
  id: 'container',
  context: ({ input }) => ({ container: input.container }),
  initial: 'idle',
  states: {
    idle: {
      on: { RUN: { target: 'running', actions: assign({ current: ({ event }) => event.request }) } },
    },
    running: {
      invoke: {
        src: 'runAction',
        input: ({ context }) => context.current!,
        onDone: {
          target: 'idle',
          actions: sendParent(({ context, event }): ActionSettled => ({
            type: 'ACTION_SETTLED',
            actionId: context.current!.action.id,
            result: event.output,
          })),
        },
        onError: {
          target: 'idle',
          // A runner that throws (instead of returning a failed result) still fails only its action.
          actions: sendParent(({ context, event }): ActionSettled => ({
            type: 'ACTION_SETTLED',
            actionId: context.current!.action.id,
            result: { ok: false, error: toLockerError(event.error).toJSON() },
          })),
        },
      },
    },
  },
});
