// The host folders the control point asked about (ObserveRequest): for each container the host does
// not have yet, what is at its volume host paths. Read-only: one lstat and at most one directory entry each.

import type { HostPathState, ObservedHost, ObserveRequest } from '../plans/observed.js';
import { readHostPathState } from './host-path-state.js';

/** `observed` with `hostPaths` added when the request names any folder of a container it lacks. */
export async function withHostPaths(observed: ObservedHost, request: ObserveRequest | undefined): Promise<ObservedHost> {
  const present = new Set(observed.containers.map((c) => c.name));
  const paths = new Set<string>();
  for (const volume of request?.volumes ?? []) {
    if (!present.has(volume.container)) for (const p of volume.hostPaths) paths.add(p);
  }
  if (paths.size === 0) return observed;
  const hostPaths: Record<string, HostPathState> = {};
  // One after another: a spec may name thousands, and each look is a syscall or two.
  for (const p of [...paths].sort()) {
    // A path it cannot look at (EACCES, a file where a parent folder should be) is left out: the plan
    // then says it did not observe it, and copy-out decides when it runs.
    const state = await readHostPathState(p).catch(() => undefined);
    if (state !== undefined) hostPaths[p] = state;
  }
  return { ...observed, hostPaths };
}
