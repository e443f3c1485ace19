// What every planning step reads: the inputs, and the draft it adds to.
// Shared by the converge and teardown halves of the planner.

import { LockerError } from '../src/errors.js';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/rules/stop-timeout.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import type { AddressBook } from './assign-addresses.js';
import type { ObservedHost } from './observed.js';
import type { PlanDraft } from './plan-draft.js';
import type { ActionParams, PlanMode } from './types.js';

export interface PlanContext {
  desired: DesiredState;
  observed: ReadonlyMap<string, ObservedHost>;
  mode: PlanMode;
  /** Copy data out of a new container into its (empty) volume folders before mounting them. */
  move: boolean;
  draft: PlanDraft;
  /** Every spec container's network identity, as far as its host can give one. */
  addresses: AddressBook;
  /** `host\0hostPath` → the new container whose copy-out seeds that folder (a folder is seeded once). */
  seeded: Map<string, ContainerSpec>;
  /** The command's `-t`: every stop of the plan waits this long, whatever the containers' stop_timeout. */
  stopTimeout?: number;
  /** `up --reprovision`: provision every container of the scope that has a list, even when it ran. */
  reprovision?: boolean;
}

/** A stop step's params: the command's `-t`, else the container's stop_timeout, else compose's default. */
export function stopParams(ctx: PlanContext, spec: ContainerSpec | undefined): Extract<ActionParams, { kind: 'stop' }> {
  return { kind: 'stop', timeoutSeconds: ctx.stopTimeout ?? spec?.stopTimeout ?? DEFAULT_STOP_TIMEOUT_S };
}

// Built once per desired state: the planner looks containers up by name for every clone and dependency.
const byName = new WeakMap<DesiredState, Map<string, ContainerSpec>>();

/** The spec container of that short name, if any. */
export function containerNamed(desired: DesiredState, name: string): ContainerSpec | undefined {
  let index = byName.get(desired);
  if (index === undefined) {
    index = new Map(desired.containers.map((c) => [c.name, c]));
    byName.set(desired, index);
  }
  return index.get(name);
}

/** The spec container a name points at; an unknown name is a spec error the loader should have caught. */
export function specNamed(ctx: PlanContext, name: string, from: ContainerSpec): ContainerSpec {
  const spec = containerNamed(ctx.desired, name);
  if (spec === undefined) {
    throw new LockerError('SPEC_INVALID', `${from.name} refers to ${name}, which is not a container of ${ctx.desired.file}`, {
      location: from.ref,
    });
  }
  return spec;
}
