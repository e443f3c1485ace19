// Teardown steps: unforward, stop, destroy; ordered in reverse of how things were brought up.
// Host data is never touched: destroy removes the container, never the host side of a volume.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { labelPort } from './compare-forwards.js';
import type { TeardownSubject } from './find-leftovers.js';
import { findContainer, refOf } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { ContainerRef } from './plan-draft.js';
import type { ActionReason } from './types.js';

export interface TeardownRequest {
  subject: TeardownSubject;
  reason: ActionReason;
  stop: boolean;
  destroy: boolean;
  spec?: ContainerSpec;
}

export function planTeardowns(ctx: PlanContext, requests: readonly TeardownRequest[]): void {
  for (const request of requests) planTeardown(ctx, request);
  orderStops(ctx, requests);
  orderDestroys(ctx, requests);
}

function planTeardown(ctx: PlanContext, { subject, reason, stop, destroy, spec }: TeardownRequest): void {
  const { draft } = ctx;
  const { ref, observed, forwards } = subject;
  if (forwards.length > 0) {
    draft.add(ref, {
      symbol: '-',
      reason,
      detail: `remove ${forwards.map(labelPort).join(', ')}`,
      specRef: spec?.ports[0]?.ref ?? spec?.ref,
      params: { kind: 'unforward-ports' },
    });
  }
  if (observed === undefined) return;
  if (stop && observed.state !== 'STOPPED') {
    draft.add(ref, { symbol: '-', reason, detail: `container is ${observed.state}`, specRef: spec?.ref, params: { kind: 'stop' } });
  }
  if (destroy) {
    draft.add(ref, {
      symbol: '-',
      reason,
      detail: describeDestroy(observed.managed?.mounts.length ?? spec?.volumes.length ?? 0),
      specRef: spec?.ref,
      params: { kind: 'destroy' },
    });
  }
}

function describeDestroy(volumes: number): string {
  if (volumes === 0) return 'remove the container';
  return `remove the container; its ${volumes === 1 ? 'volume folder stays' : `${volumes} volume folders stay`} on the host`;
}

/** A dependency keeps running until everything that depends on it has stopped. */
function orderStops(ctx: PlanContext, requests: readonly TeardownRequest[]): void {
  for (const { spec } of requests) {
    if (spec === undefined) continue;
    for (const name of spec.dependsOn) {
      const dependency = ctx.desired.containers.find((c) => c.name === name);
      if (dependency !== undefined) ctx.draft.require(refOf(dependency), 'stop', refOf(spec), 'stop');
    }
  }
}

/**
 * Clones go before their origins. A snapshot clone that stays would lose its lower layer, so removing
 * its origin alone is refused.
 */
function orderDestroys(ctx: PlanContext, requests: readonly TeardownRequest[]): void {
  for (const { subject } of requests) {
    const origin = subject.ref;
    if (subject.observed === undefined || !ctx.draft.has(origin, 'destroy')) continue;
    for (const clone of clonesOf(ctx, origin)) {
      if (ctx.draft.has(clone.ref, 'destroy')) ctx.draft.require(origin, 'destroy', clone.ref, 'destroy');
      else if (clone.snapshot) {
        throw new LockerError('HOST_PRECONDITION', `cannot remove ${origin.lxcName}: snapshot clone ${clone.ref.lxcName} depends on it`, {
          hint: `remove ${clone.ref.lxcName} in the same command, or make it a full copy first`,
        });
      }
    }
  }
}

interface CloneOf {
  ref: ContainerRef;
  snapshot: boolean;
}

/** Existing clones of a container on its host: by the observed overlay origin, and by the spec. */
function clonesOf(ctx: PlanContext, origin: ContainerRef): CloneOf[] {
  const host = ctx.observed.get(origin.host);
  if (host === undefined) return [];
  const clones = new Map<string, CloneOf>();
  for (const c of host.containers) {
    if (c.origin === origin.lxcName && c.name !== origin.lxcName) {
      clones.set(c.name, { ref: { host: origin.host, container: c.managed?.container ?? c.name, lxcName: c.name }, snapshot: true });
    }
  }
  for (const spec of ctx.desired.containers) {
    const source = spec.source;
    if (spec.host !== origin.host || source.kind !== 'clone' || source.origin !== origin.lxcName) continue;
    if (findContainer(host, spec.lxcName) === undefined) continue;
    const known = clones.get(spec.lxcName);
    clones.set(spec.lxcName, { ref: refOf(spec), snapshot: (known?.snapshot ?? false) || source.snapshot });
  }
  return [...clones.values()];
}
