// Lookups into what the agents reported: a host's state, one container, one container's forwards.
// A host the plan needs but nobody reported on is an error: planning it as empty would recreate everything.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec } from '../src/spec/types.js';
import type { ObservedContainer, ObservedForward, ObservedHost } from './observed.js';
import type { ContainerRef } from './plan-draft.js';

export function requireHost(observed: ReadonlyMap<string, ObservedHost>, host: string): ObservedHost {
  const state = observed.get(host);
  if (state === undefined) {
    throw new LockerError('AGENT_OFFLINE', `no observed state for host ${host}`, {
      hint: `start its agent: locker agent --host ${host}`,
      retryable: true,
    });
  }
  return state;
}

export function findContainer(host: ObservedHost, lxcName: string): ObservedContainer | undefined {
  return host.containers.find((c) => c.name === lxcName);
}

export function forwardsOf(host: ObservedHost, project: string, container: string): ObservedForward[] {
  return host.forwards.filter((f) => f.project === project && f.container === container);
}

export function refOf(spec: ContainerSpec): ContainerRef {
  return { host: spec.host, container: spec.name, lxcName: spec.lxcName };
}
