// Locks held by files: one apply at a time per project, one writer of the event log.
// It must never remove a lock it cannot prove stale (a dead pid on this host) or that is not its own.

export { acquireFileLock, type LockOwner } from './file-lock.js';
export { acquireLockFile, isLockFileHeld, type DescribeHeld, type HeldLock } from './lock-file.js';
export { describeSelf, isProcessAlive, type LockHolder } from './holder.js';
