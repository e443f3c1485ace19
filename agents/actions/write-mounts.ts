// write-mounts: the block's bind-mount entries become exactly the job's mounts.
// Every host path must exist before lxc-start (a missing source aborts the start): missing ones become
// directories; an existing file is mounted as a single-file volume (create=file). Before anything, each
// host path's real path is checked again (a symlink may point somewhere else than when it was planned).
// In an unprivileged container they are idmapped mounts: host ownership is seen as it is, root as root.

import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { MountParams } from '../../plans/types.js';
import { assertTraversableByOthers, hookPath, parseIdmap, readConfig, type BlockMount } from '../../src/lxc/index.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { assertMountsSafe } from '../mount-safety.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runWriteMounts: ActionRunner<'write-mounts'> = async ({ lxcpath, action }, params) => {
  await assertMountsSafe(lxcpath, params.mounts, params.allowed);
  const created: string[] = [];
  const mounts: BlockMount[] = [];
  // An unprivileged container's mounts are idmapped with its own map (LXC 5 and a kernel of 5.12 or later).
  const idmapped = parseIdmap((await readConfig(lxcpath, action.lxcName)) ?? '') !== undefined;
  for (const m of params.mounts) {
    // LXC makes an idmapped mount from inside the container's user namespace: its root must reach the source.
    if (idmapped) await assertTraversableByOthers(path.dirname(m.hostPath), `volume ${m.hostPath}`);
    mounts.push({ ...(await ensureHostPath(m, created)), ...(idmapped && { idmapped }) });
  }
  const changed = await updateBlock(lxcpath, action, (update) => {
    // An fqdn inherited from a snapshot origin is dropped (its data file was not copied with the hook).
    const next = { ...keptBlock(update, action), mounts };
    if (next.fqdn !== undefined) next.hookPath = hookPath(lxcpath, action.lxcName);
    return next;
  });
  const parts = [
    ...(created.length > 0 ? [`created host folder(s) ${created.join(', ')}`] : []),
    ...(changed ? [`wrote ${mounts.length} mount entr${mounts.length === 1 ? 'y' : 'ies'}`] : []),
  ];
  if (parts.length === 0) return adopted(`${mounts.length} mount(s) already configured`);
  return done(parts.join('; '));
};

async function ensureHostPath(m: MountParams, created: string[]): Promise<BlockMount> {
  let isFile: boolean;
  try {
    isFile = !(await stat(m.hostPath)).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(m.hostPath, { recursive: true });
    created.push(m.hostPath);
    isFile = false;
  }
  return { hostPath: m.hostPath, containerPath: m.containerPath, readOnly: m.readOnly, isFile };
}
