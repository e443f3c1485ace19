// Observes every host of the project and plans one command's changes against them.
// A host whose agent does not answer is planned against the state it last reported, and said so.

import type { ObservedHost } from '../../plans/observed.js';
import { planChanges, type Plan, type PlanMode } from '../../plans/index.js';
import { isLockerError } from '../errors.js';
import { checkCloneOrigins } from '../spec/index.js';
import { formatDuration, type Io } from './output.js';
import type { ProjectContext } from './project-context.js';

export interface HostsView {
  observed: Map<string, ObservedHost>;
  /** Hosts whose agent did not answer → age of the state they last reported. */
  down: Map<string, number>;
}

export async function observeHosts(ctx: ProjectContext): Promise<HostsView> {
  const down = new Map<string, number>();
  const entries = await Promise.all(
    ctx.hosts.map(async (host) => {
      try {
        return [host, await ctx.control.transport.observe(host)] as const;
      } catch (e) {
        if (!isLockerError(e) || e.code !== 'AGENT_OFFLINE') throw e;
        const last = await ctx.control.lastKnownState(host);
        if (!last) throw e;
        down.set(host, last.ageMs);
        return [host, last.observed] as const;
      }
    }),
  );
  return { observed: new Map(entries), down };
}

export function warnDownHosts(io: Io, view: HostsView): void {
  for (const [host, ageMs] of view.down) {
    io.err(
      `warning: host "${host}": its agent is not answering (last heartbeat ${formatDuration(ageMs)} ago); ` +
        'planned against the state it last reported; its steps wait in the queue until it is back',
    );
  }
}

/** Observes the hosts and refuses clone origins that are neither in the spec nor on their host. */
export async function checkOriginsOnHosts(ctx: ProjectContext): Promise<HostsView> {
  const view = await observeHosts(ctx);
  const existing = new Map([...view.observed].map(([h, o]) => [h, new Set(o.containers.map((c) => c.name))]));
  checkCloneOrigins(ctx.desired, existing);
  return view;
}

export interface PlanRequest {
  mode: PlanMode;
  targets: string[];
  move: boolean;
}

export async function makePlan(ctx: ProjectContext, request: PlanRequest): Promise<{ plan: Plan; view: HostsView }> {
  const view = await checkOriginsOnHosts(ctx);
  const plan = planChanges({ desired: ctx.desired, observed: view.observed, mode: request.mode, targets: request.targets, move: request.move });
  return { plan, view };
}
