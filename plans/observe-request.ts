// What the control point asks each host to observe for a plan, besides its containers: the host
// folders that copy-out of a new container would seed, so the plan can say which ones it will.

import type { DesiredState } from '../src/spec/types.js';
import type { ObserveRequest } from './observed.js';
import type { PlanMode } from './types.js';

/** Modes whose plans may create containers, and so copy data out into their volume folders. */
const CREATING: ReadonlySet<PlanMode> = new Set<PlanMode>(['up', 'create']);

/**
 * Host → request, for the hosts of spec containers with volumes. Every spec container is listed (the
 * control point does not know yet which ones exist): the agent reports paths only for those it does
 * not have, so a folder a running container writes into never makes a plan stale.
 */
export function observeRequests(desired: DesiredState, mode: PlanMode): Map<string, ObserveRequest> {
  const requests = new Map<string, ObserveRequest>();
  if (!CREATING.has(mode)) return requests;
  for (const spec of desired.containers) {
    if (spec.volumes.length === 0) continue;
    const volumes = requests.get(spec.host)?.volumes ?? [];
    volumes.push({ container: spec.lxcName, hostPaths: spec.volumes.map((v) => v.hostPath) });
    requests.set(spec.host, { volumes });
  }
  return requests;
}
