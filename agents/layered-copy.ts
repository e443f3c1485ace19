// Copying one path out of a container's rootfs layers (a directory, or an overlay's lower + delta)
// into a fresh host location, as the container would see it: upper layers win, whiteouts hide.

import { chmod, cp, lchown, lstat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { LockerError } from '../src/errors.js';

export type LayerEntry = { kind: 'absent' } | { kind: 'hidden' } | { kind: 'file' | 'dir'; path: string };

/**
 * What each layer holds at `containerPath`, bottom layer first. Symlinks on the way are refused:
 * in the host's view they would resolve against the host's root, not the container's.
 */
export async function lookupLayers(layers: string[], containerPath: string): Promise<LayerEntry[]> {
  const parts = containerPath.split('/').filter((p) => p !== '');
  return Promise.all(layers.map((layer) => lookup(layer, parts, containerPath)));
}

/** The layers that make up the merged view: one file, or a stack of directories to merge bottom-up. */
export function visibleSources(entries: LayerEntry[]): { kind: 'file' | 'dir'; paths: string[] } | undefined {
  let visible: { kind: 'file' | 'dir'; paths: string[] } | undefined;
  for (const e of entries) {
    if (e.kind === 'absent') continue;
    if (e.kind === 'hidden') visible = undefined;
    else if (e.kind === 'dir' && visible?.kind === 'dir') visible.paths.push(e.path);
    else visible = { kind: e.kind, paths: [e.path] };
  }
  return visible;
}

export interface CopyResult {
  entries: number;
  /** Device nodes, sockets, FIFOs: not data, and unsafe to copy to a host folder. */
  skipped: number;
}

/** Copies the merged view of `sources` to `dest` (which must not exist), keeping modes, owners, times. */
export async function copyMerged(sources: { kind: 'file' | 'dir'; paths: string[] }, dest: string): Promise<CopyResult> {
  const owners = new Map<string, Stats>();
  let skipped = 0;
  for (const [i, src] of sources.paths.entries()) {
    const above = sources.paths.slice(i + 1);
    await cp(src, dest, {
      recursive: true,
      force: true,
      errorOnExist: false,
      verbatimSymlinks: true,
      preserveTimestamps: true,
      filter: async (from, to) => {
        const s = await lstat(from);
        if (!(s.isFile() || s.isDirectory() || s.isSymbolicLink())) {
          if (!isWhiteout(s)) skipped += 1;
          return false;
        }
        // An upper layer that holds anything but a directory here replaces (or whites out) this entry.
        const rel = path.relative(src, from);
        for (const upper of above) {
          const u = await lstatOrUndefined(path.join(upper, rel));
          if (u !== undefined && !(u.isDirectory() && s.isDirectory())) return false;
        }
        owners.set(to, s);
        return true;
      },
    });
  }
  for (const [to, s] of owners) {
    await lchown(to, s.uid, s.gid);
    // fs.cp sets a directory's mode only when it creates it; a merged one takes the topmost layer's.
    if (!s.isSymbolicLink()) await chmod(to, s.mode & 0o7777);
  }
  return { entries: owners.size, skipped };
}

async function lookup(layer: string, parts: string[], containerPath: string): Promise<LayerEntry> {
  let current = layer;
  for (const [i, part] of parts.entries()) {
    current = path.join(current, part);
    const s = await lstatOrUndefined(current);
    if (s === undefined) return { kind: 'absent' };
    if (isWhiteout(s)) return { kind: 'hidden' };
    if (s.isSymbolicLink()) {
      throw new LockerError('HOST_PRECONDITION', `copy-out refuses to follow the symlink ${current} (for ${containerPath})`, {
        hint: 'mount a path of the container that is not (under) a symlink',
      });
    }
    const last = i === parts.length - 1;
    if (last) return s.isDirectory() ? { kind: 'dir', path: current } : { kind: 'file', path: current };
    // A file in the middle of the path: nothing below it exists, and it hides lower layers' entries.
    if (!s.isDirectory()) return { kind: 'hidden' };
  }
  return { kind: 'dir', path: layer };
}

/** overlayfs marks a file deleted in the upper layer with a 0:0 character device. */
function isWhiteout(s: Stats): boolean {
  return s.isCharacterDevice() && s.rdev === 0;
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}
