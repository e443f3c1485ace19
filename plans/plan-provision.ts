// The provision step of one container (`up` only): after its first start, when its list changed, when the
// last run of the list failed, or when `--reprovision` asks. Never for a container without a list.

import type { ContainerSpec } from '../src/spec/types.js';
import { ownsConfig } from './compare-mounts.js';
import type { ObservedContainer } from './observed.js';
import { refOf } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import { provisionCommands, provisionDigest } from './provision-digest.js';
import type { ActionReason, ChangeSymbol } from './types.js';

/** What the plan says about a container's provision, or undefined when nothing is to run. */
export interface ProvisionDecision {
  symbol: ChangeSymbol;
  reason: ActionReason;
  detail: string;
}

export function decideProvision(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer | undefined): ProvisionDecision | undefined {
  const count = spec.provision?.length ?? 0;
  if (count === 0) return undefined;
  const commands = `${count} command${count === 1 ? '' : 's'}`;
  const owned = observed !== undefined && ownsConfig(observed.managed, ctx.desired.project, spec.name);
  const record = owned ? observed.managed?.provision : undefined;
  if (record === undefined) {
    return { symbol: '+', reason: 'missing', detail: observed === undefined ? `${commands} after the first start` : `not provisioned yet: ${commands}` };
  }
  if (record.digest !== provisionDigest(provisionCommands(spec))) {
    return { symbol: '~', reason: 'drifted', detail: `(changed) ${commands}${record.state === 'failed' ? ', the last list failed' : ''}` };
  }
  if (record.state === 'failed') return { symbol: '~', reason: 'drifted', detail: `provision failed: retry ${commands}` };
  if (ctx.reprovision) return { symbol: '~', reason: 'requested', detail: `forced by --reprovision: ${commands}` };
  return undefined;
}

export function planProvision(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer | undefined): void {
  if (ctx.mode !== 'up') return;
  const decision = decideProvision(ctx, spec, observed);
  if (decision === undefined) return;
  ctx.draft.add(refOf(spec), { ...decision, specRef: spec.provision![0]!.ref, params: { kind: 'provision', commands: provisionCommands(spec) } });
}
