// Teardown steps: unforward, stop, destroy; ordered in reverse of how things were brought up.
// Host data is never touched: destroy removes the container, never the host side of a volume.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { labelPort } from '../src/rules/ports.js';
import type { TeardownSubject } from './find-leftovers.js';
import { findContainer, refOf } from './observed-lookup.js';
import { thawIfFrozen } from './plan-freeze.js';
import { stopParams, type PlanContext } from './plan-context.js';
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
    thawIfFrozen(ctx, ref, observed, reason, spec?.ref);
    draft.add(ref, { symbol: '||', reason, detail: `container is ${observed.state}`, specRef: spec?.ref, params: stopParams(ctx, spec) });
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
  const byName = new Map(ctx.desired.containers.map((c) => [c.name, c]));
  for (const { spec } of requests) {
    if (spec === undefined) continue;
    for (const name of spec.dependsOn) {
      const dependency = byName.get(name);
      if (dependency !== undefined) ctx.draft.require(refOf(dependency), 'stop', refOf(spec), 'stop');
    }
  }
}

/**
 * Clones go before their origins. A snapshot clone that stays would lose its lower layer, so removing
 * its origin alone is refused.
 */
function orderDestroys(ctx: PlanContext, requests: readonly TeardownRequest[]): void {
  const clonesByOrigin = indexClones(ctx);
  for (const { subject } of requests) {
    const origin = subject.ref;
    if (subject.observed === undefined || !ctx.draft.has(origin, 'destroy')) continue;
    for (const clone of clonesByOrigin.get(`${origin.host}\u0000${origin.lxcName}`)?.values() ?? []) {
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

/**
 * Existing clones of every container, keyed by host and origin LXC name: by the observed overlay origin,
 * and by the spec. Built once per plan (one pass each), not once per origin.
 */
function indexClones(ctx: PlanContext): Map<string, Map<string, CloneOf>> {
  const index = new Map<string, Map<string, CloneOf>>();
  const entry = (host: string, origin: string) => {
    const key = `${host}\u0000${origin}`;
    let clones = index.get(key);
    if (clones === undefined) index.set(key, (clones = new Map()));
    return clones;
  };
  for (const [hostName, host] of ctx.observed) {
    for (const c of host.containers) {
      if (c.origin === undefined || c.origin === c.name) continue;
      entry(hostName, c.origin).set(c.name, { ref: { host: hostName, container: c.managed?.container ?? c.name, lxcName: c.name }, snapshot: true });
    }
  }
  for (const spec of ctx.desired.containers) {
    const source = spec.source;
    if (source.kind !== 'clone') continue;
    const host = ctx.observed.get(spec.host);
    if (host === undefined || findContainer(host, spec.lxcName) === undefined) continue;
    const clones = entry(spec.host, source.origin);
    const known = clones.get(spec.lxcName);
    clones.set(spec.lxcName, { ref: refOf(spec), snapshot: (known?.snapshot ?? false) || source.snapshot });
  }
  return index;
}
