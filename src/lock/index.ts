// Locks: one apply at a time per project (a file, or a key with a lease in NATS KV), one writer of the event log.
// It must never remove a lock it cannot prove stale (a dead pid on this host, an expired lease) or that is not its own.

import type { LockHolder } from './holder.js';
import type { HeldLock } from './lock-file.js';

export { acquireFileLock, type LockOwner } from './file-lock.js';
export {
  acquireLockFile,
  isLockFileHeld,
  readLockFile,
  readLockFileHolder,
  removeLockFile,
  type DeadHolder,
  type DescribeHeld,
  type HeldLock,
  type Refusal,
} from './lock-file.js';
export { describeSelf, isProcessAlive, judgeHolderHere, type LockHolder } from './holder.js';
export { describeHolder, describeTakeover, judgeHolder, type DeathReason, type Here, type ProcessProbe, type Verdict } from './judge-holder.js';
export { LOCK_LEASE_MS } from './lease.js';
export { NO_WAIT, formatLockWait, waitForLock, type LockWait, type LockWaitNote } from './wait-for-lock.js';

/** The live holder of a project's lock in NATS KV, if any (loads the NATS client only then). */
export async function readKvLockHolder(
  ...args: Parameters<typeof import('./kv-lock.js').readKvLockHolder>
): Promise<LockHolder | undefined> {
  return (await import('./kv-lock.js')).readKvLockHolder(...args);
}

/** Loads the NATS client only when a NATS lock is taken: embedded commands never pay for it. */
export async function acquireKvLock(
  ...args: Parameters<typeof import('./kv-lock.js').acquireKvLock>
): Promise<HeldLock> {
  return (await import('./kv-lock.js')).acquireKvLock(...args);
}
