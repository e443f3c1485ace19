// What every planning step reads: the inputs, and the draft it adds to.
// Shared by the converge and teardown halves of the planner.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import type { ObservedHost } from './observed.js';
import type { PlanDraft } from './plan-draft.js';
import type { PlanMode } from './types.js';

export interface PlanContext {
  desired: DesiredState;
  observed: ReadonlyMap<string, ObservedHost>;
  mode: PlanMode;
  /** Copy data out of a new container into its (empty) volume folders before mounting them. */
  move: boolean;
  draft: PlanDraft;
}

/** The spec container a name points at; an unknown name is a spec error the loader should have caught. */
export function specNamed(ctx: PlanContext, name: string, from: ContainerSpec): ContainerSpec {
  const spec = ctx.desired.containers.find((c) => c.name === name);
  if (spec === undefined) {
    throw new LockerError('SPEC_INVALID', `${from.name} refers to ${name}, which is not a container of ${ctx.desired.file}`, {
      location: from.ref,
    });
  }
  return spec;
}
