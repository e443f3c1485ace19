// `restart`: each container in scope stopped (if it runs) and started again, its ports forwarded again.
// Stops in reverse depends_on order, starts in depends_on order, as `down` then `up` would order them.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { findContainer, refOf, requireHost } from './observed-lookup.js';
import { specNamed, stopParams, type PlanContext } from './plan-context.js';
import { planForwards } from './plan-existing.js';
import { assertCgroupHost } from './plan-shape.js';
import { thawIfFrozen } from './plan-freeze.js';

export function planRestarts(ctx: PlanContext, scope: readonly ContainerSpec[]): void {
  const { draft } = ctx;
  for (const spec of scope) {
    const host = requireHost(ctx.observed, spec.host);
    // A restart starts the container again: LXC would ignore limits its host cannot take.
    assertCgroupHost(spec, host);
    const observed = findContainer(host, spec.lxcName);
    if (observed === undefined) {
      throw new LockerError('HOST_PRECONDITION', `container ${spec.name} does not exist`, {
        hint: 'run `locker create` or `locker up` first',
        location: spec.ref,
      });
    }
    const ref = refOf(spec);
    const running = observed.state !== 'STOPPED';
    if (running) {
      thawIfFrozen(ctx, ref, observed, 'requested', spec.ref);
      draft.add(ref, { symbol: '||', reason: 'requested', detail: `restart: container is ${observed.state}`, specRef: spec.ref, params: stopParams(ctx, spec) });
    }
    draft.add(ref, { symbol: '>', reason: 'requested', detail: running ? 'restart' : 'restart: container was STOPPED', specRef: spec.ref, params: { kind: 'start' } });
    planForwards(ctx, spec, observed, host, 'requested');
  }
  for (const spec of scope) {
    for (const name of spec.dependsOn) {
      const dependency = specNamed(ctx, name, spec);
      // Edges only bind when both steps are planned: a dependency outside the scope keeps running.
      ctx.draft.require(refOf(dependency), 'stop', refOf(spec), 'stop');
      ctx.draft.require(refOf(spec), 'start', refOf(dependency), 'start');
    }
  }
}
