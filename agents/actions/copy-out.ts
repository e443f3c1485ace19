// copy-out: before a bind mount hides what the image has at a path, seed an empty host folder with it.
// A host path that exists and is not empty is never touched; nothing on the host is ever deleted
// except the empty folder the copy replaces.

import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { MountParams } from '../../plans/types.js';
import { LockerError } from '../../src/errors.js';
import { parseIdmap, parseRootfs, readConfig, rootfsLayers, type ConfigIdmap } from '../../src/lxc/index.js';
import { shiftOwnershipDown } from '../shift-ownership.js';
import { readHostPathState } from '../host-path-state.js';
import { copyMerged, lookupLayers, visibleSources } from '../layered-copy.js';
import { assertMountsSafe } from '../mount-safety.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runCopyOut: ActionRunner<'copy-out'> = async ({ lxcpath, action }, params) => {
  // It writes into the host paths: their real paths must be as safe as a mount's.
  await assertMountsSafe(lxcpath, params.mounts, params.allowed);
  const name = action.lxcName;
  const config = await readConfig(lxcpath, name);
  if (config === undefined) throw new LockerError('HOST_PRECONDITION', `cannot copy out of ${name}: it does not exist`);
  const rootfs = parseRootfs(config);
  const layers = rootfs && rootfsLayers(rootfs);
  if (layers === undefined) {
    throw new LockerError('HOST_PRECONDITION', `cannot copy out of ${name}: its rootfs is neither a directory nor an overlay`, {
      detail: rootfs?.kind === 'other' ? `lxc.rootfs.path = ${rootfs.raw}` : 'no lxc.rootfs.path',
    });
  }
  const lines: string[] = [];
  let changed = false;
  for (const m of params.mounts) {
    const line = await copyOne(layers, m, parseIdmap(config));
    changed ||= line.changed;
    lines.push(line.text);
  }
  return changed ? done(lines.join('; ')) : adopted(lines.join('; '));
};

async function copyOne(layers: string[], m: MountParams, idmap: ConfigIdmap | undefined): Promise<{ changed: boolean; text: string }> {
  // The rule observe reports to the planner: the plan named this folder only if it was empty or missing.
  const host = await readHostPathState(m.hostPath);
  if (host === 'occupied') return { changed: false, text: `${m.hostPath} is not empty: left as it is` };
  const sources = visibleSources(await lookupLayers(layers, m.containerPath));
  if (sources === undefined) {
    if (host === 'empty') return { changed: false, text: `${m.hostPath} exists; the container has no ${m.containerPath}` };
    await mkdir(m.hostPath, { recursive: true });
    return { changed: true, text: `created empty ${m.hostPath} (the container has no ${m.containerPath})` };
  }
  if (sources.kind === 'file' && host === 'empty') {
    throw new LockerError('HOST_PRECONDITION', `${m.containerPath} is a file in the container but ${m.hostPath} is a directory`, {
      hint: `remove the empty folder ${m.hostPath} or mount the file's parent folder`,
    });
  }
  // Copy next to the target and rename into place: an interrupted copy never looks like seeded data.
  const parent = path.dirname(m.hostPath);
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(m.hostPath)}.locker-copy-${randomBytes(4).toString('hex')}`);
  try {
    const result = await copyMerged(sources, tmp);
    // Linux clears setuid/setgid bits of what chown changes, for root too: seeded data, not host programs.
    if (idmap !== undefined) await shiftOwnershipDown(tmp, idmap);
    if (host === 'empty') await rmdir(m.hostPath); // fails if anything appeared in it meanwhile
    await rename(tmp, m.hostPath);
    const skipped = result.skipped > 0 ? `, skipped ${result.skipped} device/socket/fifo entries` : '';
    return { changed: true, text: `copied ${m.containerPath} to ${m.hostPath} (${result.entries} entries${skipped})` };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true }); // only the temp copy made here
    throw e;
  }
}
