// Waiting for a lock a live process holds, up to a timeout, instead of failing at once: the holder
// may be about to finish, or be a dead one on another machine whose lease is about to run out.

import { LockerError } from '../errors.js';
import type { LockHolder } from './holder.js';
import { describeHolder } from './judge-holder.js';
import type { HeldLock, Refusal } from './lock-file.js';

/** How a command waits for a lock; `timeoutMs: 0` refuses at once, as before waiting existed. */
export interface LockWait {
  timeoutMs: number;
  /** Told when waiting starts, each second while it lasts (`tick`), and when it ends either way. */
  report?: (note: LockWaitNote) => void;
}

export interface LockWaitNote {
  phase: 'start' | 'tick' | 'end';
  holder?: LockHolder;
  leftMs: number;
}

export const NO_WAIT: LockWait = { timeoutMs: 0 };

// A look at the lock is one small read (file) or one KV get: cheap enough to make a freed lock
// taken within half a second.
const POLL_MS = 500;

export async function waitForLock(tryOnce: () => Promise<HeldLock | Refusal>, wait: LockWait): Promise<HeldLock> {
  const first = await tryOnce();
  if (!('error' in first)) return first;
  if (wait.timeoutMs <= 0) throw first.error;
  const deadline = Date.now() + wait.timeoutMs;
  let last = first;
  wait.report?.({ phase: 'start', holder: last.holder, leftMs: wait.timeoutMs });
  try {
    for (;;) {
      const leftMs = deadline - Date.now();
      if (leftMs <= 0) throw timedOut(last, wait.timeoutMs);
      await pause(Math.min(POLL_MS, leftMs));
      const result = await tryOnce();
      if (!('error' in result)) return result;
      last = result;
      wait.report?.({ phase: 'tick', holder: last.holder, leftMs: Math.max(0, deadline - Date.now()) });
    }
  } finally {
    wait.report?.({ phase: 'end', holder: last.holder, leftMs: Math.max(0, deadline - Date.now()) });
  }
}

/** `waiting for the project lock held by pid 42 on box (locker up) since ...: 12 s left`. */
export function formatLockWait(what: string, holder: LockHolder | undefined, leftMs: number): string {
  const by = holder === undefined ? 'a holder locker cannot read' : describeHolder(holder);
  return `waiting for ${what} held by ${by}: ${Math.ceil(leftMs / 1000)} s left`;
}

function timedOut(last: Refusal, timeoutMs: number): LockerError {
  const e = last.error;
  return new LockerError(e.code, `${e.message} (waited ${timeoutMs / 1000} s)`, {
    hint: `${e.hint ?? 'wait for it to finish'}; wait longer with --lock-timeout SECONDS, or release a stuck lock with \`locker unlock\``,
    retryable: e.retryable,
    cause: e,
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
