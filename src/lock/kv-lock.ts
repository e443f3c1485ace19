// "One apply at a time per project" across machines: a key in the locks bucket, kept alive by a lease.
// The bucket's TTL removes the key of a holder that stopped refreshing, so a dead holder frees it by itself.

import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import { LOCK_LEASE_MS } from '../nats/ensure-resources.js';
import { LOCKS_BUCKET } from '../nats/names.js';
import type { LockOwner } from './file-lock.js';
import { describeSelf, judgeHolderHere, parseHolder, type LockHolder } from './holder.js';
import { describeHolder } from './judge-holder.js';
import type { DeadHolder, HeldLock, Refusal } from './lock-file.js';
import { NO_WAIT, waitForLock, type LockWait } from './wait-for-lock.js';

/** Three refreshes per lease: one lost to a slow network or a restarting server is not fatal. */
export const LOCK_REFRESH_MS = Math.floor(LOCK_LEASE_MS / 3);
// Rounds of "create refused, but the key was gone when we looked": a holder released or expired
// in between. Beyond a few, someone takes and drops it in a loop.
const MAX_ROUNDS = 5;
/** Values of the keys this process holds: a holder naming our pid is alive only if it is one of them. */
const owned = new Set<string>();

export async function acquireKvLock(nc: NatsConnection, project: string, owner: LockOwner, wait: LockWait = NO_WAIT): Promise<HeldLock> {
  const kv = await openLocks(nc);
  const value = JSON.stringify(describeSelf({ command: owner.command }));
  return waitForLock(() => tryKvLock(kv, project, value), wait);
}

/**
 * One try. A key whose holder is provably dead (this machine, pid gone) is taken over at once by
 * an update at the revision we read, so a holder that got there since is never replaced.
 */
async function tryKvLock(kv: KV, project: string, value: string): Promise<HeldLock | Refusal> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      return holdKvLock(kv, project, value, await kv.create(project, value));
    } catch (e) {
      if (!isWrongLastSequence(e)) throw unreachable(e);
    }
    const current = await kv.get(project).catch((err: unknown) => {
      throw unreachable(err);
    });
    if (current === null || current.operation !== 'PUT') continue;
    const text = current.string();
    const holder = parseHolder(text);
    const verdict = holder === undefined ? undefined : judgeHolderHere(holder, owned.has(text));
    if (holder === undefined || !verdict?.dead) return { error: describeHeld(project, holder), holder };
    try {
      const revision = await kv.update(project, value, current.revision);
      return holdKvLock(kv, project, value, revision, { holder, reason: verdict.reason });
    } catch (e) {
      if (!isWrongLastSequence(e)) throw unreachable(e);
      // Someone else wrote the key since we read it: look again.
    }
  }
  throw new LockerError('LOCK_HELD', `could not take the lock of ${project}: other processes keep taking and releasing it`, {
    hint: 'try again in a moment',
    retryable: true,
  });
}

/**
 * Who holds the project's lock now, if anyone: a key whose lease has not run out. A holder on this
 * machine whose pid is gone is no one, even before its lease ends.
 */
export async function readKvLockHolder(nc: NatsConnection, project: string): Promise<LockHolder | undefined> {
  const found = await readKvLock(nc, project);
  if (found?.holder === undefined) return undefined;
  return judgeHolderHere(found.holder, owned.has(found.text)).dead ? undefined : found.holder;
}

/** The key as it is (dead holder or unreadable included), with its revision: for `locker unlock`. */
export async function readKvLock(nc: NatsConnection, project: string): Promise<{ revision: number; text: string; holder?: LockHolder } | undefined> {
  const kv = await openLocks(nc);
  const entry = await kv.get(project).catch((e: unknown) => {
    throw unreachable(e);
  });
  if (entry === null || entry.operation !== 'PUT') return undefined;
  const text = entry.string();
  return { revision: entry.revision, text, holder: parseHolder(text) };
}

/** Deletes the key if it is still at `revision`, and says whether it did. */
export async function removeKvLock(nc: NatsConnection, project: string, revision: number): Promise<boolean> {
  const kv = await openLocks(nc);
  try {
    await kv.delete(project, { previousSeq: revision });
    return true;
  } catch (e) {
    if (isWrongLastSequence(e)) return false;
    throw unreachable(e);
  }
}

/**
 * Refreshing rewrites the key at the revision we last wrote, so it fails once anyone else
 * wrote it (our lease ran out and another holder took it): then we stop, and never touch it.
 * Other refresh failures (server restarting) are retried on the next tick; the lease is three
 * ticks long.
 */
function holdKvLock(kv: KV, project: string, value: string, firstRevision: number, tookOver?: DeadHolder): HeldLock {
  let revision = firstRevision;
  let lost = false;
  let released = false;
  let inFlight: Promise<void> = Promise.resolve();
  owned.add(value);
  const refresh = async () => {
    try {
      revision = await kv.update(project, value, revision);
    } catch (e) {
      if (isWrongLastSequence(e)) {
        lost = true;
        clearInterval(timer);
      }
      // Any other failure: the next tick tries again, within the lease.
    }
  };
  const timer = setInterval(() => {
    if (released || lost) return;
    inFlight = inFlight.then(refresh);
  }, LOCK_REFRESH_MS);
  // A process that forgets to release must still be able to exit; the lease then frees the key.
  timer.unref();
  return {
    path: `${LOCKS_BUCKET}/${project}`,
    ...(tookOver === undefined ? {} : { tookOver }),
    async release() {
      if (released) return;
      released = true;
      owned.delete(value);
      clearInterval(timer);
      await inFlight;
      if (lost) return;
      try {
        await kv.delete(project, { previousSeq: revision });
      } catch (e) {
        if (isWrongLastSequence(e)) return; // no longer ours: the lease had run out
        throw new LockerError('AGENT_OFFLINE', `could not release the lock of ${project}: ${(e as Error).message}`, {
          hint: `it expires by itself ${LOCK_LEASE_MS / 1000} s after its last refresh`,
          retryable: true,
          cause: e,
        });
      }
    },
  };
}

async function openLocks(nc: NatsConnection): Promise<KV> {
  try {
    return await new Kvm(nc).open(LOCKS_BUCKET);
  } catch (e) {
    throw unreachable(e);
  }
}

function describeHeld(project: string, holder: LockHolder | undefined): LockerError {
  const expiry = `if that process is gone, the lock expires ${LOCK_LEASE_MS / 1000} s after its last refresh`;
  if (holder === undefined) {
    return new LockerError('LOCK_HELD', `project ${project} is locked by a holder locker cannot read (${LOCKS_BUCKET}/${project})`, {
      hint: `wait for it to finish; ${expiry}`,
      retryable: true,
    });
  }
  return new LockerError('LOCK_HELD', `project is locked by ${describeHolder(holder)}`, {
    hint: `wait for it to finish; ${expiry}`,
    retryable: true,
  });
}

function isWrongLastSequence(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function unreachable(e: unknown): LockerError {
  return new LockerError('AGENT_OFFLINE', `could not reach the project lock in ${LOCKS_BUCKET}: ${(e as Error).message}`, {
    hint: 'check that nats-server is running with JetStream; the control point creates the bucket on connecting',
    retryable: true,
    cause: e,
  });
}
