// Which spec containers a command acts on: its targets, widened to what they need to come up.
// Teardown never widens: `locker rm web` must not take its dependencies down with it.

import { LockerError } from '../src/errors.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import type { PlanMode } from './types.js';

const WIDENING_MODES: ReadonlySet<PlanMode> = new Set<PlanMode>(['up', 'create', 'start']);

export function compareSpecs(a: ContainerSpec, b: ContainerSpec): number {
  if (a.host !== b.host) return a.host < b.host ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Spec containers in scope, sorted by host then name. Throws USAGE for a target the spec lacks. */
export function resolveScope(desired: DesiredState, mode: PlanMode, targets: readonly string[]): ContainerSpec[] {
  const byName = new Map(desired.containers.map((c) => [c.name, c]));
  for (const target of targets) {
    if (!byName.has(target)) {
      const known = [...byName.keys()].sort().join(', ');
      throw new LockerError('USAGE', `no container named ${target} in ${desired.file}`, {
        hint: known === '' ? `${desired.file} defines no containers` : `containers: ${known}`,
      });
    }
  }
  if (targets.length === 0) return [...desired.containers].sort(compareSpecs);
  const chosen = new Set<string>();
  const pending = [...targets];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    const spec = byName.get(name);
    if (spec === undefined || chosen.has(name)) continue;
    chosen.add(name);
    if (!WIDENING_MODES.has(mode)) continue;
    pending.push(...spec.dependsOn);
    if (spec.source.kind === 'clone' && spec.source.originInProject !== undefined) pending.push(spec.source.originInProject);
  }
  return desired.containers.filter((c) => chosen.has(c.name)).sort(compareSpecs);
}
