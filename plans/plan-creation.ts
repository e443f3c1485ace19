// Steps for a spec container the host does not have: make it, configure it, and (for `up`) run it.
// Every new container gets write-mounts, because that block is also what tags it as Locker's.

import type { ContainerSpec } from '../src/spec/types.js';
import { describeOptIns, mountJobParams } from './compare-mounts.js';
import { labelPort } from '../src/rules/ports.js';
import { toForwardParams } from './compare-forwards.js';
import { refOf } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import { forwardTargets, planNetworkSteps } from './plan-network.js';
import { planProvision } from './plan-provision.js';
import { planSeeding } from './plan-seeding.js';
import { planDnsStep } from './plan-dns.js';
import { planShapeSteps } from './plan-shape.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeTemplate(template: string, args: Record<string, string>): string {
  if (template === 'download' && args.dist !== undefined && args.release !== undefined && args.arch !== undefined) {
    return ['download', args.dist, args.release, args.arch, ...(args.server === undefined ? [] : [`from ${args.server}`])].join(' ');
  }
  const extra = Object.keys(args)
    .sort()
    .map((k) => `${k}=${args[k]}`);
  return ['template', template, ...extra].join(' ');
}

export function planCreation(ctx: PlanContext, spec: ContainerSpec): void {
  const ref = refOf(spec);
  const { draft } = ctx;
  const source = spec.source;
  if (source.kind === 'template') {
    draft.add(ref, {
      symbol: '+',
      reason: 'missing',
      detail: describeTemplate(source.template, source.args) + (spec.unprivileged ? ', unprivileged' : ''),
      specRef: source.ref,
      params: { kind: 'create', template: source.template, args: { ...source.args }, ...(spec.unprivileged && { unprivileged: true as const }) },
    });
  } else {
    draft.add(ref, {
      symbol: '+',
      reason: 'missing',
      detail: `${source.snapshot ? 'snapshot' : 'copy'} of ${source.origin}${spec.unprivileged ? ', unprivileged (its uid map)' : ''}`,
      specRef: source.ref,
      params: { kind: 'clone', origin: source.origin, snapshot: source.snapshot, ...(spec.unprivileged && { unprivileged: true as const }) },
    });
  }
  planSeeding(ctx, spec);
  const volumeRef = spec.volumes[0]?.ref ?? spec.ref;
  draft.add(ref, {
    symbol: '+',
    reason: 'missing',
    detail: (spec.volumes.length === 0 ? 'no volumes' : plural(spec.volumes.length, 'volume')) + describeOptIns(spec),
    specRef: volumeRef,
    params: mountJobParams('write-mounts', spec),
  });
  // A clone carries its origin's hook: it must get its own, or have the inherited one removed.
  if (spec.fqdn !== undefined || source.kind === 'clone') {
    const hook: { kind: 'install-hostname-hook'; fqdn?: string } = { kind: 'install-hostname-hook' };
    if (spec.fqdn !== undefined) hook.fqdn = spec.fqdn;
    draft.add(ref, {
      symbol: '+',
      reason: 'missing',
      detail: spec.fqdn === undefined ? 'no hostname: drop the inherited hook' : `hostname ${spec.fqdn}`,
      specRef: spec.ref,
      params: hook,
    });
  }
  planNetworkSteps(ctx, spec, undefined, '+');
  planShapeSteps(ctx, spec, undefined, '+');
  planDnsStep(ctx, spec, undefined, '+');
  if (ctx.mode !== 'up') return;
  draft.add(ref, { symbol: '>', reason: 'missing', detail: 'first start', specRef: spec.ref, params: { kind: 'start' } });
  planProvision(ctx, spec, undefined);
  if (spec.ports.length > 0) {
    const targets = forwardTargets(ctx, spec);
    draft.add(ref, {
      symbol: '+',
      reason: 'missing',
      detail: spec.ports.map(labelPort).join(', ') + (targets.targetIp === undefined ? '' : ` to ${targets.targetIp}`),
      specRef: spec.ports[0]?.ref,
      params: { kind: 'forward-ports', ports: toForwardParams(spec.ports), ...targets },
    });
  }
}
