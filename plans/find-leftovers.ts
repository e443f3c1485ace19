// What the project left on its hosts that the spec no longer names: containers and dangling forwards.
// Only containers tagged with this project's config block count; anything untagged is not ours.

import type { DesiredState } from '../src/spec/types.js';
import type { ObservedContainer, ObservedForward, ObservedHost } from './observed.js';
import type { ContainerRef } from './plan-draft.js';

export interface TeardownSubject {
  ref: ContainerRef;
  /** Undefined when only forwards are left. */
  observed?: ObservedContainer;
  forwards: ObservedForward[];
}

function sortedHosts(observed: ReadonlyMap<string, ObservedHost>): ObservedHost[] {
  return [...observed.keys()].sort().map((name) => observed.get(name) as ObservedHost);
}

/**
 * Tagged containers whose short name the spec lacks (on any host), plus forwards of the project for
 * containers that exist nowhere on their host. A container the spec still uses (by LXC name or as a
 * clone origin) is never a leftover, whatever its block says.
 */
export function findLeftovers(desired: DesiredState, observed: ReadonlyMap<string, ObservedHost>): TeardownSubject[] {
  const project = desired.project;
  const specNames = new Set(desired.containers.map((c) => c.name));
  const subjects: TeardownSubject[] = [];
  for (const host of sortedHosts(observed)) {
    const inUse = new Set<string>();
    for (const c of desired.containers) {
      if (c.host !== host.host) continue;
      inUse.add(c.lxcName);
      if (c.source.kind === 'clone') inUse.add(c.source.origin);
    }
    const claimed = new Set<string>();
    const tagged = new Set<string>();
    for (const container of host.containers) {
      const managed = container.managed;
      if (managed === undefined || managed.project !== project) continue;
      tagged.add(managed.container);
      if (specNames.has(managed.container) || inUse.has(container.name)) continue;
      // Two stale copies may carry the same block: the forwards go with the first, once.
      const forwards = claimed.has(managed.container) ? [] : forwardsFor(host, project, managed.container);
      claimed.add(managed.container);
      subjects.push({ ref: { host: host.host, container: managed.container, lxcName: container.name }, observed: container, forwards });
    }
    const dangling = new Set(
      host.forwards
        .filter((f) => f.project === project && !tagged.has(f.container))
        .filter((f) => !desired.containers.some((c) => c.name === f.container && c.host === host.host))
        .map((f) => f.container),
    );
    for (const name of [...dangling].sort()) {
      subjects.push({ ref: { host: host.host, container: name, lxcName: `${project}_${name}` }, forwards: forwardsFor(host, project, name) });
    }
  }
  return subjects;
}

function forwardsFor(host: ObservedHost, project: string, container: string): ObservedForward[] {
  return host.forwards.filter((f) => f.project === project && f.container === container);
}

/**
 * Whether a host holds anything of the project (a tagged container, a forward): a host the spec does not
 * name matters to a plan only then.
 */
export function holdsProject(host: ObservedHost, project: string): boolean {
  return host.containers.some((c) => c.managed?.project === project) || host.forwards.some((f) => f.project === project);
}
