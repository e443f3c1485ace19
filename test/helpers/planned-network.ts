// What `locker plan --json` says: the plan, and the network each container gets (its set-network step).

import type { NetworkParams, Plan } from '../../plans/types.js';

/** `locker plan --json` prints `{ plan, ... }`. */
export function planOf(stdout: string): Plan {
  return (JSON.parse(stdout) as { plan: Plan }).plan;
}

/** The set-network params of each container of the plan, by short name. */
export function plannedNetworks(plan: Plan): Record<string, NetworkParams> {
  const out: Record<string, NetworkParams> = {};
  for (const a of plan.actions) {
    if (a.params.kind !== 'set-network') continue;
    const { kind: _kind, ...network } = a.params;
    out[a.container] = network;
  }
  return out;
}
