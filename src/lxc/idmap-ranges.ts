// The host side of uid/gid ranges: Locker's line in /etc/subuid and /etc/subgid, and the claims on its
// slots. One folder per slot under RANGES_DIR, shared by every agent of this machine (any project, any
// lxcpath), holding one file per container that uses the range: a container and its clones (a clone
// family) share a slot; no two other containers ever do. Renaming a prepared folder onto the slot is the
// claim: it fails when the slot holds a file already, so two agents cannot both take one.

import { createHash, randomBytes } from 'node:crypto';
import { appendFile, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { configPath } from './container-paths.js';
import { pickSlot, RANGE_SLOTS, slotBase, SUBORDINATE_LINE, subordinateChange } from './idmap.js';

export const RANGES_DIR = '/var/lib/locker/idmaps';
export const SUBORDINATE_FILES = ['/etc/subuid', '/etc/subgid'] as const;

/** A holder whose container is gone is stale only after this long: lxc-create writes the config late. */
const STALE_AFTER_MS = 60 * 60_000;

export interface RangeHolder {
  lxcpath: string;
  container: string;
}

/**
 * Appends Locker's line (root owns the block) to each file that lacks it; refuses a file where another
 * range overlaps the block. Two agents appending at once leave the same line twice, which is harmless.
 */
export async function ensureSubordinateRanges(files: readonly string[] = SUBORDINATE_FILES): Promise<void> {
  for (const file of files) {
    const text = (await readTextIfExists(file)) ?? '';
    const change = subordinateChange(text);
    if (change.kind === 'present') continue;
    if (change.kind === 'conflict') {
      throw new LockerError('HOST_PRECONDITION', `${file} gives "${change.line}", which overlaps Locker's ids ${SUBORDINATE_LINE}`, {
        hint: `move that range elsewhere, then add "${SUBORDINATE_LINE}" to ${file}`,
      });
    }
    await appendFile(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}${SUBORDINATE_LINE}\n`, { mode: 0o644 });
  }
}

function holderFile(h: RangeHolder): string {
  return createHash('sha256').update(`${h.lxcpath}\0${h.container}`).digest('hex').slice(0, 24);
}

function renderHolder(h: RangeHolder): string {
  return `container=${h.container} lxcpath=${h.lxcpath}\n`;
}

function parseHolder(text: string): RangeHolder | undefined {
  const m = /^container=(\S+) lxcpath=(.+)\n?$/.exec(text);
  return m === null ? undefined : { container: m[1]!, lxcpath: m[2]! };
}

/** True when some holder of the slot's folder still has its container (or claimed it within the hour). */
async function slotInUse(slotDir: string): Promise<boolean> {
  for (const file of await listDir(slotDir)) {
    const full = path.join(slotDir, file);
    const holder = parseHolder((await readTextIfExists(full)) ?? '');
    if (holder === undefined) return true; // not ours to judge
    if ((await readTextIfExists(configPath(holder.lxcpath, holder.container))) !== undefined) return true;
    const age = Date.now() - (await stat(full).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age < STALE_AFTER_MS) return true;
  }
  return false;
}

/** Claims a free range for a new container; returns the host id of its root. */
export async function claimRange(holder: RangeHolder, dir = RANGES_DIR): Promise<number> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const taken = new Set<number>();
  for (const name of await listDir(dir)) {
    const slot = Number(name);
    if (/^\d+$/.test(name) && (await slotInUse(path.join(dir, name)))) taken.add(slot);
  }
  for (;;) {
    const slot = pickSlot(taken);
    if (slot === undefined) {
      throw new LockerError('HOST_PRECONDITION', `all ${RANGE_SLOTS} uid ranges of Locker's block are taken on this host`, {
        hint: `remove unprivileged containers you no longer need (locker down), or look for stale folders in ${dir}`,
      });
    }
    const prepared = path.join(dir, `.claim-${randomBytes(6).toString('hex')}`);
    await mkdir(prepared);
    await writeFile(path.join(prepared, holderFile(holder)), renderHolder(holder));
    const target = path.join(dir, String(slot));
    // A stale slot is emptied first; a slot another agent holds stays non-empty and refuses the rename.
    await removeStale(target);
    try {
      await rename(prepared, target);
      return slotBase(slot);
    } catch (e) {
      await rm(prepared, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      taken.add(slot);
    }
  }
}

async function removeStale(slotDir: string): Promise<void> {
  if ((await listDir(slotDir)).length === 0 || (await slotInUse(slotDir))) return;
  for (const file of await listDir(slotDir)) await rm(path.join(slotDir, file), { force: true });
}

/** A clone joins its origin's range (a clone family shares one slot). */
export async function joinRange(slot: number, holder: RangeHolder, dir = RANGES_DIR): Promise<void> {
  const slotDir = path.join(dir, String(slot));
  await mkdir(slotDir, { recursive: true, mode: 0o755 });
  await writeFile(path.join(slotDir, holderFile(holder)), renderHolder(holder));
}

/** The container no longer uses its range; the slot is free once no holder is left. */
export async function releaseRange(slot: number, holder: RangeHolder, dir = RANGES_DIR): Promise<void> {
  const slotDir = path.join(dir, String(slot));
  await rm(path.join(slotDir, holderFile(holder)), { force: true });
  await rmdir(slotDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'ENOENT') throw e;
  });
}

/** Gives back every range a container under `lxcpath` holds (test clean-up of a whole lxcpath). */
export async function releaseRangesOf(lxcpath: string, dir = RANGES_DIR): Promise<void> {
  for (const name of await listDir(dir)) {
    if (!/^\d+$/.test(name)) continue;
    for (const h of await rangeHolders(Number(name), dir)) if (h.lxcpath === lxcpath) await releaseRange(Number(name), h, dir);
  }
}

/** Who holds a slot (for tests and errors). */
export async function rangeHolders(slot: number, dir = RANGES_DIR): Promise<RangeHolder[]> {
  const slotDir = path.join(dir, String(slot));
  const holders: RangeHolder[] = [];
  for (const file of await listDir(slotDir)) {
    const h = parseHolder((await readTextIfExists(path.join(slotDir, file))) ?? '');
    if (h !== undefined) holders.push(h);
  }
  return holders;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => !n.startsWith('.'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}
