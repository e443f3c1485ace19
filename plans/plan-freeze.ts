// `freeze` / `unfreeze`: suspend or resume the processes of running containers (lxc-freeze, lxc-unfreeze).
// Also the thaw every other command plans first for a FROZEN container it stops or wants running.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec, SpecRef } from '../src/spec/types.js';
import type { ObservedContainer } from './observed.js';
import { findContainer, refOf, requireHost } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { ContainerRef } from './plan-draft.js';
import type { ActionReason } from './types.js';

/**
 * Only what runs can be frozen. A container the command names that is stopped or missing is an error
 * (the user asked for something that cannot be); without names, such containers are left alone.
 * Already frozen (freeze) or not frozen (unfreeze): nothing to do.
 */
export function planFreezes(ctx: PlanContext, scope: readonly ContainerSpec[], named: ReadonlySet<string>): void {
  const freeze = ctx.mode === 'freeze';
  for (const spec of scope) {
    const observed = findContainer(requireHost(ctx.observed, spec.host), spec.lxcName);
    const state = observed?.state ?? 'MISSING';
    if (freeze && state === 'RUNNING') {
      ctx.draft.add(refOf(spec), { symbol: '~', reason: 'requested', detail: 'container is RUNNING', specRef: spec.ref, params: { kind: 'freeze' } });
    } else if (!freeze && state === 'FROZEN') {
      planThaw(ctx, refOf(spec), 'requested', spec.ref);
    } else if (freeze && state !== 'FROZEN' && named.has(spec.name)) {
      throw new LockerError('HOST_PRECONDITION', `cannot freeze ${spec.name}: it is ${state}`, {
        hint: state === 'MISSING' ? 'run `locker up` first' : `only a running container can be frozen: locker start ${spec.name}`,
        location: spec.ref,
      });
    }
  }
}

/** A `~ unfreeze` step, for a container observed FROZEN. */
export function planThaw(ctx: PlanContext, ref: ContainerRef, reason: ActionReason, specRef: SpecRef | undefined): void {
  ctx.draft.add(ref, { symbol: '~', reason, detail: 'container is FROZEN', specRef, params: { kind: 'unfreeze' } });
}

/** Thaws a frozen container before the stop a plan has for it: a frozen init never hears the clean-stop request. */
export function thawIfFrozen(ctx: PlanContext, ref: ContainerRef, observed: ObservedContainer | undefined, reason: ActionReason, specRef?: SpecRef): void {
  if (observed?.state === 'FROZEN') planThaw(ctx, ref, reason, specRef);
}
