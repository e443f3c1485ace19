// An exclusive lock held by a file naming its holder: the one primitive behind the project lock
// and the event log's writer lock.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { describeSelf, isHolderAlive, judgeHolderHere, parseHolder, type LockHolder } from './holder.js';
import type { DeathReason } from './judge-holder.js';

export interface HeldLock {
  readonly path: string;
  /** The dead holder whose lock this one replaced, when there was one: commands warn about it. */
  readonly tookOver?: DeadHolder;
  /** Removes the lock if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

export interface DeadHolder {
  holder: LockHolder;
  reason: DeathReason;
}

/** A lock that was not taken: the live holder, when the lock names one. */
export interface Refusal {
  error: LockerError;
  holder?: LockHolder;
}

/** Builds the error shown when a live process holds the lock. */
export type DescribeHeld = (holder: LockHolder, path: string) => LockerError;

/** Lock files this process holds, by absolute path, with the exact text it wrote. */
const owned = new Map<string, string>();

// Bounds, not timings: a round is one look at the lock; contention beyond this is pathological.
const MAX_ROUNDS = 20;
const CONTENDED_PAUSE_MS = 10;
// A takeover is guarded by a claim file, which can itself be stale only if a taker crashed
// inside a few syscalls; two nested levels of that is already beyond belief.
const MAX_CLAIM_DEPTH = 3;

export async function acquireLockFile(path: string, holder: LockHolder, describeHeld: DescribeHeld): Promise<HeldLock> {
  const result = await tryAcquireLockFile(path, holder, describeHeld);
  if ('error' in result) throw result.error;
  return result;
}

/** One try: the lock, or who holds it. A dead holder's lock is taken over (see HeldLock.tookOver). */
export async function tryAcquireLockFile(path: string, holder: LockHolder, describeHeld: DescribeHeld): Promise<HeldLock | Refusal> {
  const absolute = resolve(path);
  await mkdir(dirname(absolute), { recursive: true });
  const result = await tryAcquire(absolute, holder, 0);
  return 'heldBy' in result ? { error: describeHeld(result.heldBy, absolute), holder: result.heldBy } : result;
}

/** What a lock file holds now, read as it is (dead, or naming no holder): for `locker unlock`. */
export async function readLockFile(path: string): Promise<{ text: string; holder?: LockHolder } | undefined> {
  const text = await readTextIfExists(resolve(path));
  return text === undefined ? undefined : { text, holder: parseHolder(text) };
}

/** Removes the lock file if it still holds `text`, and says whether it did. */
export async function removeLockFile(path: string, text: string): Promise<boolean> {
  const absolute = resolve(path);
  if ((await readTextIfExists(absolute)) !== text) return false;
  await breakStale(absolute, text);
  return (await readTextIfExists(absolute)) !== text;
}

/** Whether a live process, this one included, holds the lock at `path` (an unreadable lock counts). */
export async function isLockFileHeld(path: string): Promise<boolean> {
  const absolute = resolve(path);
  const text = await readTextIfExists(absolute);
  if (text === undefined) return false;
  const holder = parseHolder(text);
  return holder === undefined || isHolderAlive(holder, owned.get(absolute) === text);
}

/** The live process that holds the lock at `path`, if any (an unreadable lock names no one). */
export async function readLockFileHolder(path: string): Promise<LockHolder | undefined> {
  const absolute = resolve(path);
  const text = await readTextIfExists(absolute);
  const holder = text === undefined ? undefined : parseHolder(text);
  return holder !== undefined && isHolderAlive(holder, owned.get(absolute) === text) ? holder : undefined;
}

async function tryAcquire(path: string, holder: LockHolder, depth: number): Promise<HeldLock | { heldBy: LockHolder }> {
  const text = `${JSON.stringify(holder)}\n`;
  let tookOver: DeadHolder | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (await createExclusive(path, text)) return hold(path, text, tookOver);
    const current = await readTextIfExists(path);
    if (current === undefined) continue; // released between our attempt and our look
    const found = parseHolder(current);
    if (found === undefined) throw unreadableLock(path);
    const verdict = judgeHolderHere(found, owned.get(path) === current);
    if (!verdict.dead) return { heldBy: found };
    tookOver = { holder: found, reason: verdict.reason };
    await breakStale(path, current, depth);
  }
  throw new LockerError('LOCK_HELD', `could not take ${path}: other processes keep taking it`, {
    hint: 'try again in a moment',
    retryable: true,
  });
}

/**
 * Removes a lock file whose holder is dead, without ever removing a newer one. "Read, judge
 * stale, unlink" is a race between two takers: the slower one would unlink the faster one's
 * fresh lock. So a taker first claims the right to break this exact stale text (an exclusive
 * claim file named by its digest), then looks again: while the stale text is in place only
 * the claim holder can remove it, so if it is still there it is safe to unlink. A slower taker
 * claims later, finds different text, and leaves it alone.
 */
export async function breakStale(path: string, staleText: string, depth = 0): Promise<void> {
  if (depth >= MAX_CLAIM_DEPTH) {
    throw new LockerError('LOCK_HELD', `${path} is stale but earlier takeovers of it crashed`, {
      hint: `if no locker process is running, remove ${path} and ${path}.break-*`,
    });
  }
  const digest = createHash('sha256').update(staleText).digest('hex').slice(0, 16);
  const claim = await tryAcquire(`${path}.break-${digest}`, describeSelf(), depth + 1);
  if ('heldBy' in claim) {
    // Another live process is taking it over right now; look again once it had the chance.
    await pause(CONTENDED_PAUSE_MS);
    return;
  }
  try {
    if ((await readTextIfExists(path)) === staleText) await unlinkIfExists(path);
  } finally {
    await claim.release();
  }
}

/**
 * O_EXCL semantics without a half-written window: the text goes into a private file created
 * with O_EXCL, then is hard-linked into place. link() fails with EEXIST exactly like O_EXCL,
 * but the lock never exists empty, so a reader never mistakes a lock being born for garbage.
 */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, text, { flag: 'wx' });
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlinkIfExists(temp);
  }
}

function hold(path: string, text: string, tookOver: DeadHolder | undefined): HeldLock {
  owned.set(path, text);
  // 'exit' handlers must be synchronous; a crash without 'exit' leaves a lock that the next
  // taker finds stale by its dead pid.
  const releaseOnExit = (): void => {
    if (readIfExistsSync(path) === text) unlinkSync(path);
  };
  process.on('exit', releaseOnExit);
  let released = false;
  return {
    path,
    ...(tookOver === undefined ? {} : { tookOver }),
    async release() {
      if (released) return;
      released = true;
      process.off('exit', releaseOnExit);
      owned.delete(path);
      if ((await readTextIfExists(path)) === text) await unlinkIfExists(path);
    },
  };
}

function unreadableLock(path: string): LockerError {
  return new LockerError('LOCK_HELD', `lock file ${path} does not name a holder`, {
    hint: `if no locker process is running, remove ${path}`,
  });
}

function readIfExistsSync(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function unlinkIfExists(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
