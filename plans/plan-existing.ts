// Steps for a spec container the host already has: config drift, a stopped container, stale forwards.
// Config only takes effect at start, so a running container with drift is restarted (in `up` only).

import type { ContainerSpec } from '../src/spec/types.js';
import { labelPort } from '../src/rules/ports.js';
import { describeHostnameDrift, describeMountDrift, describeOptIns, mountJobParams } from './compare-mounts.js';
import { describeForwardDrift, toForwardParams } from './compare-forwards.js';
import type { ObservedContainer, ObservedHost } from './observed.js';
import { forwardsOf, refOf } from './observed-lookup.js';
import { stopParams, type PlanContext } from './plan-context.js';
import { planThaw } from './plan-freeze.js';
import { forwardTargets, planNetworkSteps } from './plan-network.js';
import { planProvision } from './plan-provision.js';
import { planDnsStep } from './plan-dns.js';
import { planShapeSteps } from './plan-shape.js';
import type { ActionReason } from './types.js';
import { LockerError } from '../src/errors.js';

export function planExisting(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer, host: ObservedHost): void {
  const { mode, draft } = ctx;
  const ref = refOf(spec);
  const running = isUp(observed);
  if (mode === 'up' || mode === 'create') assertSameMapping(ctx, spec, observed);
  if (mode === 'up' || mode === 'create') {
    planConfigDrift(ctx, spec, observed);
    planDnsStep(ctx, spec, observed, '~');
  }
  // The spec wants it running: a container frozen by hand (or by `locker freeze`) is thawed, as a stopped one is started.
  if ((mode === 'up' || mode === 'start') && observed.state === 'FROZEN') planThaw(ctx, ref, mode === 'start' ? 'requested' : 'drifted', spec.ref);
  if ((mode === 'up' || mode === 'start') && !running) {
    draft.add(ref, {
      symbol: '>',
      reason: mode === 'start' ? 'requested' : 'drifted',
      detail: `container is ${observed.state}`,
      specRef: spec.ref,
      params: { kind: 'start' },
    });
  }
  planProvision(ctx, spec, observed);
  if (mode === 'up' || mode === 'start' || (mode === 'ports' && running)) {
    planForwards(ctx, spec, observed, host, mode === 'start' ? 'requested' : 'drifted');
  }
}

function planConfigDrift(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer): void {
  const { mode, draft } = ctx;
  const project = ctx.desired.project;
  const ref = refOf(spec);
  const mounts = describeMountDrift(spec, project, observed.managed);
  const hostname = describeHostnameDrift(spec, project, observed.managed);
  const network = planNetworkSteps(ctx, spec, observed, '~');
  const shape = planShapeSteps(ctx, spec, observed, '~');
  const needs = [...(mounts === undefined ? [] : ['mounts']), ...(hostname === undefined ? [] : ['hostname']), ...network.restart, ...shape.restart];
  if (needs.length === 0) return;
  const running = isUp(observed);
  const restart = mode === 'up' && running;
  // `create` never starts or stops: the new config waits for the next start.
  const later = running && !restart ? ' (applies at next start)' : '';
  const why = `restart to apply ${needs.join(' and ')}`;
  if (restart) {
    draft.add(ref, { symbol: '||', reason: 'drifted', detail: why, specRef: spec.ref, params: stopParams(ctx, spec) });
  }
  if (mounts !== undefined) {
    draft.add(ref, {
      symbol: '~',
      reason: 'drifted',
      detail: mounts + later + describeOptIns(spec),
      specRef: spec.volumes[0]?.ref ?? spec.ref,
      params: mountJobParams('write-mounts', spec),
    });
  }
  if (hostname !== undefined) {
    const hook: { kind: 'install-hostname-hook'; fqdn?: string } = { kind: 'install-hostname-hook' };
    if (spec.fqdn !== undefined) hook.fqdn = spec.fqdn;
    draft.add(ref, { symbol: '~', reason: 'drifted', detail: hostname + later, specRef: spec.ref, params: hook });
  }
  if (restart) {
    draft.add(ref, { symbol: '>', reason: 'drifted', detail: why, specRef: spec.ref, params: { kind: 'start' } });
  }
}

/**
 * Forward-ports when the rules differ from the spec, or after a start planned here: the container may
 * come back with another address. `startReason` is the reason used when only the start calls for it.
 */
export function planForwards(
  ctx: PlanContext,
  spec: ContainerSpec,
  observed: ObservedContainer,
  host: ObservedHost,
  startReason: ActionReason,
): void {
  const ref = refOf(spec);
  const targets = forwardTargets(ctx, spec);
  // Forwards must point at the planned address; without one (not managed yet), at whatever the container has.
  const drift = describeForwardDrift(spec.ports, forwardsOf(host, ctx.desired.project, spec.name), {
    ipv4: targets.targetIp === undefined ? observed.ipv4 : [targets.targetIp],
    ipv6: targets.targetIp6 === undefined ? (observed.ipv6 ?? []) : [targets.targetIp6],
  });
  const started = ctx.draft.has(ref, 'start');
  if (drift.length === 0 && !(started && spec.ports.length > 0)) return;
  ctx.draft.add(ref, {
    symbol: '~',
    reason: drift.length > 0 ? 'drifted' : startReason,
    detail: drift.length > 0 ? drift.join(', ') : `forward ${spec.ports.map(labelPort).join(', ')} again after the start`,
    specRef: spec.ports[0]?.ref ?? spec.ref,
    params: { kind: 'forward-ports', ports: toForwardParams(spec.ports), ...targets },
  });
}

/** Running, or frozen (its processes are there, suspended; `up` thaws it rather than starting it). */
function isUp(observed: ObservedContainer): boolean {
  return observed.state === 'RUNNING' || observed.state === 'FROZEN';
}

/**
 * `unprivileged` is how the rootfs was made (its files are owned by the mapped ids): changing it means a
 * new container. Refused rather than planned as a replace, so nothing inside the container is lost
 * without the user removing it; data in volumes is never touched either way.
 */
function assertSameMapping(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer): void {
  const wanted = spec.unprivileged !== undefined;
  const has = observed.idmapBase !== undefined;
  if (wanted === has) return;
  const say = (u: boolean) => (u ? 'unprivileged' : 'privileged');
  throw new LockerError('HOST_PRECONDITION', `${spec.name} exists ${say(has)} on host "${spec.host}", but the spec says unprivileged: ${wanted}`, {
    hint: `changing it recreates the container: \`locker rm ${spec.name}\` (volumes on the host are kept), then \`locker up\`; or set \`unprivileged: ${has}\` again`,
    location: locationOf(spec.unprivileged?.ref ?? spec.ref),
  });
}

function locationOf(ref: ContainerSpec['ref']): { file: string; line: number; col: number; path?: string } {
  return { file: ref.file, line: ref.line, col: ref.col, ...(ref.path !== undefined && ref.path !== '' && { path: ref.path }) };
}
