// Observes every host of the project and plans one command's changes against them.

import type { ObservedHost } from '../../plans/observed.js';
import { planChanges, type Plan, type PlanMode } from '../../plans/index.js';
import { checkCloneOrigins } from '../spec/index.js';
import type { ProjectContext } from './project-context.js';

export async function observeHosts(ctx: ProjectContext): Promise<Map<string, ObservedHost>> {
  const entries = await Promise.all(ctx.hosts.map(async (h) => [h, await ctx.transport.observe(h)] as const));
  return new Map(entries);
}

/** Observes the hosts and refuses clone origins that are neither in the spec nor on their host. */
export async function checkOriginsOnHosts(ctx: ProjectContext): Promise<Map<string, ObservedHost>> {
  const observed = await observeHosts(ctx);
  const existing = new Map([...observed].map(([h, o]) => [h, new Set(o.containers.map((c) => c.name))]));
  checkCloneOrigins(ctx.desired, existing);
  return observed;
}

export interface PlanRequest {
  mode: PlanMode;
  targets: string[];
  move: boolean;
}

export async function makePlan(ctx: ProjectContext, request: PlanRequest): Promise<{ plan: Plan; observed: Map<string, ObservedHost> }> {
  const observed = await checkOriginsOnHosts(ctx);
  const plan = planChanges({ desired: ctx.desired, observed, mode: request.mode, targets: request.targets, move: request.move });
  return { plan, observed };
}
