// copy-out of a new container: which of its volume folders get the container's data. The agent seeds
// only a folder that is empty or missing and leaves any other alone, so the plan names the ones it will.

import type { ContainerSpec } from '../src/spec/types.js';
import { describeOptIns, mountJobParams } from './compare-mounts.js';
import { refOf, requireHost } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { MountParams } from './types.js';

/** Adds the copy-out step of a container about to be created, when one of its folders is to be seeded. */
export function planSeeding(ctx: PlanContext, spec: ContainerSpec): void {
  if (!ctx.move || spec.volumes.length === 0) return;
  const reported = requireHost(ctx.observed, spec.host).hostPaths;
  const params = mountJobParams('copy-out', spec);
  const seeded: MountParams[] = [];
  const unobserved: string[] = [];
  const occupied: string[] = [];
  const notes: string[] = [];
  for (const mount of params.mounts) {
    const key = `${spec.host}\0${mount.hostPath}`;
    const first = ctx.seeded.get(key);
    if (first === spec) continue; // one folder mounted twice: one copy
    if (first !== undefined) {
      // Another new container's copy-out fills it: this one must not run, and write there, before.
      ctx.draft.require(refOf(spec), 'start', refOf(first), 'copy-out');
      notes.push(`${mount.hostPath} is seeded by ${first.name}'s copy-out`);
      continue;
    }
    const state = reported?.[mount.hostPath];
    if (state === 'occupied') {
      occupied.push(mount.hostPath);
      continue;
    }
    if (state === undefined) unobserved.push(mount.hostPath);
    seeded.push(mount);
    ctx.seeded.set(key, spec);
  }
  if (seeded.length === 0) return;
  ctx.draft.add(refOf(spec), {
    symbol: '+',
    reason: 'missing',
    detail: describeSeeding(seeded, unobserved, occupied, notes) + describeOptIns(spec),
    specRef: spec.volumes.find((v) => v.hostPath === seeded[0]?.hostPath)?.ref ?? spec.ref,
    params: { ...params, mounts: seeded },
  });
}

function describeSeeding(seeded: MountParams[], unobserved: string[], occupied: string[], notes: string[]): string {
  const paths = seeded.map((m) => m.hostPath);
  let text =
    unobserved.length === paths.length && occupied.length === 0 && notes.length === 0
      ? `seed ${paths.join(', ')} with the container's data if empty (host folders not observed)`
      : `seed ${paths.map((p) => (unobserved.includes(p) ? `${p} (if empty: not observed)` : p)).join(', ')} with the container's data`;
  if (occupied.length === 1) text += `; ${occupied[0]} is not empty: left as it is`;
  if (occupied.length > 1) text += `; ${occupied.join(', ')} are not empty: left as they are`;
  for (const note of notes) text += `; ${note}`;
  return text;
}
