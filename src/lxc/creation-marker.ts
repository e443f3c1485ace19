// Whether a container's creation has finished. lxc-create puts a `partial` file in the container's
// folder, holds an (OFD) lock on it while it works, and removes it when it ends, either way. The
// container's config exists from the start, so "the config is there" does not mean "created": an
// lxc-create orphaned by a control point or agent that was killed may still be filling the rootfs.
// A marker that nobody locks is a creation cut short (lxc-create itself killed); LXC 5 reports it as
// "ongoing" forever, so the lock is read here from /proc/locks. lxc-create creates the marker before
// it locks it, and at the end closes it (dropping the lock) before it unlinks it: in those gaps (long
// on a loaded machine) an unlocked marker is no creation cut short, so a live lxc-create for this
// container (found in /proc) also counts as ongoing.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../errors.js';
import { containerDir } from './container-paths.js';

export type CreationState = 'finished' | 'ongoing' | 'interrupted';

/** Same bound as lxc-create itself gets: a template may download a distribution. */
const CREATION_TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 250;

export function partialMarkerPath(lxcpath: string, name: string): string {
  return path.join(containerDir(lxcpath, name), 'partial');
}

export async function creationState(lxcpath: string, name: string): Promise<CreationState> {
  const marker = partialMarkerPath(lxcpath, name);
  let st: { dev: bigint; ino: bigint };
  try {
    st = await stat(marker, { bigint: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'finished';
    throw e;
  }
  if ((await lockedInodes()).has(lockKey(st.dev, st.ino))) return 'ongoing';
  return (await lxcCreateRunning(lxcpath, name)) ? 'ongoing' : 'interrupted';
}

/** Whether a live `lxc-create -P LXCPATH -n NAME` is at work, as Locker runs it (src/lxc/create.ts). */
async function lxcCreateRunning(lxcpath: string, name: string): Promise<boolean> {
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let argv: string[];
    try {
      argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    } catch {
      continue; // gone since the listing, or not ours to read
    }
    if (isLxcCreateOf(argv, lxcpath, name)) return true;
  }
  return false;
}

export function isLxcCreateOf(argv: readonly string[], lxcpath: string, name: string): boolean {
  if (path.basename(argv[0] ?? '') !== 'lxc-create') return false;
  const end = argv.indexOf('--');
  const own = end < 0 ? argv : argv.slice(0, end); // what follows `--` is the template's
  const valueOf = (flag: string): string | undefined => {
    const at = own.indexOf(flag);
    return at < 0 ? undefined : own[at + 1];
  };
  const dir = valueOf('-P');
  return valueOf('-n') === name && dir !== undefined && path.resolve(dir) === path.resolve(lxcpath);
}

/** Waits while another lxc-create works on `name`; then tells whether it finished or was cut short. */
export async function waitForCreation(lxcpath: string, name: string, timeoutMs = CREATION_TIMEOUT_MS): Promise<'finished' | 'interrupted'> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await creationState(lxcpath, name);
    if (state !== 'ongoing') return state;
    if (Date.now() > deadline) {
      throw new LockerError('HOST_PRECONDITION', `${name} is still being created by another lxc-create after ${timeoutMs / 1000} s`, {
        hint: `see what creates it (${partialMarkerPath(lxcpath, name)} is locked), then retry`,
        retryable: true,
      });
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** `MAJOR:MINOR:INODE` as /proc/locks prints it (major and minor in hex). */
function lockKey(dev: bigint, ino: bigint): string {
  // glibc's dev_t encoding.
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
}

/** Every file some process holds a lock on, e.g. `1: OFDLCK ADVISORY WRITE -1 fe:00:2146755 0 EOF`. */
async function lockedInodes(): Promise<Set<string>> {
  const text = await readFile('/proc/locks', 'utf8');
  const keys = new Set<string>();
  for (const line of text.split('\n')) {
    for (const field of line.trim().split(/\s+/)) {
      if (/^[0-9a-f]+:[0-9a-f]+:\d+$/.test(field)) keys.add(field);
    }
  }
  return keys;
}
