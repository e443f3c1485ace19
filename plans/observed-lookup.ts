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

interface HostIndex {
  containers: Map<string, ObservedContainer>;
  forwards: Map<string, ObservedForward[]>;
}

// Built once per observed host: the planner looks up every container, and a scan each time is O(n^2).
const indexes = new WeakMap<ObservedHost, HostIndex>();

function indexOf(host: ObservedHost): HostIndex {
  let index = indexes.get(host);
  if (index === undefined) {
    const forwards = new Map<string, ObservedForward[]>();
    for (const f of host.forwards) {
      const key = `${f.project}\u0000${f.container}`;
      const list = forwards.get(key);
      if (list) list.push(f);
      else forwards.set(key, [f]);
    }
    index = { containers: new Map(host.containers.map((c) => [c.name, c])), forwards };
    indexes.set(host, index);
  }
  return index;
}

export function findContainer(host: ObservedHost, lxcName: string): ObservedContainer | undefined {
  return indexOf(host).containers.get(lxcName);
}

export function forwardsOf(host: ObservedHost, project: string, container: string): ObservedForward[] {
  return indexOf(host).forwards.get(`${project}\u0000${container}`) ?? [];
}

export function refOf(spec: ContainerSpec): ContainerRef {
  return { host: spec.host, container: spec.name, lxcName: spec.lxcName };
}
