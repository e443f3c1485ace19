// Where clones come from: a container of this project on the same host, or an existing LXC
// container the host must already have (checked once host state is known).
import { specError } from './spec-error.js';
import type { ContainerSpec, DesiredState } from './types.js';

/** LXC clones stay on one host, so a project origin must live where its clone does. */
export function assertSameHostClones(containers: readonly ContainerSpec[]): void {
  const byName = new Map(containers.map((c) => [c.name, c]));
  for (const c of containers) {
    if (c.source.kind !== 'clone' || c.source.originInProject === undefined) continue;
    const origin = byName.get(c.source.originInProject);
    if (origin === undefined || origin.host === c.host) continue;
    throw specError(
      `${c.name} clones ${origin.name}, but ${c.name} is on host "${c.host}" and ${origin.name} on host "${origin.host}"`,
      c.source.ref,
      'a clone is made on the host of its origin: put both containers on the same host',
    );
  }
}

/**
 * A clone shares its origin's uid/gid map (lxc-copy copies the map with the rootfs, whose files are owned
 * by the mapped ids): a clone of a project origin must say `unprivileged` as its origin does.
 */
export function assertCloneMaps(containers: readonly ContainerSpec[]): void {
  const byName = new Map(containers.map((c) => [c.name, c]));
  for (const c of containers) {
    if (c.source.kind !== 'clone' || c.source.originInProject === undefined) continue;
    const origin = byName.get(c.source.originInProject);
    if (origin === undefined || (origin.unprivileged !== undefined) === (c.unprivileged !== undefined)) continue;
    const say = (u: boolean) => (u ? 'unprivileged: true' : 'unprivileged: false');
    throw specError(
      `${c.name} clones ${origin.name}, which has ${say(origin.unprivileged !== undefined)}, but ${c.name} has ${say(c.unprivileged !== undefined)}`,
      c.unprivileged?.ref ?? c.source.ref,
      `a clone shares its origin's uid map: write \`${say(origin.unprivileged !== undefined)}\` on ${c.name} too, or create it from a template`,
    );
  }
}

/**
 * Checks that every clone origin outside the project exists on its host.
 * existing: host -> set of LXC names; a host missing from the map has no containers.
 * Throws SPEC_INVALID located at the `clone` value.
 */
export function checkCloneOrigins(desired: DesiredState, existing: ReadonlyMap<string, ReadonlySet<string>>): void {
  for (const c of desired.containers) {
    if (c.source.kind !== 'clone' || c.source.originInProject !== undefined) continue;
    if (existing.get(c.host)?.has(c.source.origin)) continue;
    throw specError(
      `clone origin "${c.source.origin}" of ${c.name} does not exist on host "${c.host}"`,
      c.source.ref,
      `create the LXC container "${c.source.origin}" on host "${c.host}" first, or clone a container of this spec`,
    );
  }
}
