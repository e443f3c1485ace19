// Orders each new clone against its origin: the origin is complete and STOPPED while it is copied.
// lxc-copy fails on a running origin (snapshot or full copy), so a running origin is stopped around it.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { findContainer, refOf, requireHost } from './observed-lookup.js';
import { containerNamed, stopParams, type PlanContext } from './plan-context.js';
import { thawIfFrozen } from './plan-freeze.js';
import { planForwards } from './plan-existing.js';
import type { ActionKind } from './types.js';

/** Steps of the origin a clone must wait for, when they are planned. */
const ORIGIN_READY: readonly ActionKind[] = ['create', 'clone', 'write-mounts', 'install-hostname-hook', 'stop'];

/** Call after every container in scope has its own steps: it reads which starts are already planned. */
export function planCloneOrigins(ctx: PlanContext, scope: readonly ContainerSpec[]): void {
  for (const spec of scope) {
    const source = spec.source;
    if (source.kind !== 'clone' || !ctx.draft.has(refOf(spec), 'clone')) continue;
    const named = source.originInProject === undefined ? undefined : containerNamed(ctx.desired, source.originInProject);
    const origin = named?.lxcName === source.origin ? named : undefined;
    if (origin === undefined) checkForeignOrigin(ctx, spec, source.origin);
    else orderAgainstOrigin(ctx, spec, origin);
  }
}

function orderAgainstOrigin(ctx: PlanContext, clone: ContainerSpec, origin: ContainerSpec): void {
  if (origin.host !== clone.host) {
    throw new LockerError('SPEC_INVALID', `${clone.name} on host ${clone.host} cannot clone ${origin.name} on host ${origin.host}`, {
      hint: 'a clone must live on the same host as its origin',
      location: clone.source.ref,
    });
  }
  const { draft } = ctx;
  const cloneRef = refOf(clone);
  const originRef = refOf(origin);
  const host = requireHost(ctx.observed, origin.host);
  const observed = findContainer(host, origin.lxcName);
  if (observed !== undefined && observed.state !== 'STOPPED') {
    thawIfFrozen(ctx, originRef, observed, 'origin-of-snapshot', clone.source.ref);
    draft.add(originRef, {
      symbol: '||',
      reason: 'origin-of-snapshot',
      detail: `stop so ${clone.lxcName} can be copied from it`,
      specRef: clone.source.ref,
      params: stopParams(ctx, origin),
    });
    if (ctx.mode === 'up') {
      draft.add(originRef, {
        symbol: '>',
        reason: 'origin-of-snapshot',
        detail: `start again after ${clone.lxcName} is copied`,
        specRef: origin.ref,
        params: { kind: 'start' },
      });
      planForwards(ctx, origin, observed, host, 'origin-of-snapshot');
    }
  }
  for (const kind of ORIGIN_READY) draft.require(cloneRef, 'clone', originRef, kind);
  draft.require(originRef, 'start', cloneRef, 'clone');
}

/** An origin outside the project is not ours to stop: say so instead of planning a copy that fails. */
function checkForeignOrigin(ctx: PlanContext, clone: ContainerSpec, originName: string): void {
  const observed = findContainer(requireHost(ctx.observed, clone.host), originName);
  if (observed === undefined) {
    throw new LockerError('HOST_PRECONDITION', `origin ${originName} of ${clone.name} does not exist on host ${clone.host}`, {
      hint: `create ${originName} first, or change \`clone\` of ${clone.name}`,
      location: clone.source.ref,
    });
  }
  if (observed.state !== 'STOPPED') {
    throw new LockerError('HOST_PRECONDITION', `origin ${originName} is ${observed.state.toLowerCase()}; a clone needs it stopped`, {
      hint: `stop it first: lxc-stop -n ${originName}`,
      location: clone.source.ref,
    });
  }
}
