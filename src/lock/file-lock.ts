// "One apply at a time per project" in embedded mode: a lock file naming the command that holds it.

import { LockerError } from '../errors.js';
import { describeHere, describeSelf, type LockHolder } from './holder.js';
import { describeHolder } from './judge-holder.js';
import { tryAcquireLockFile, type HeldLock } from './lock-file.js';
import { NO_WAIT, waitForLock, type LockWait } from './wait-for-lock.js';

export interface LockOwner {
  /** The command line that takes the lock, e.g. `up` or `locker up web`. */
  command: string;
}

export async function acquireFileLock(path: string, owner: LockOwner, wait: LockWait = NO_WAIT): Promise<HeldLock> {
  const self = describeSelf({ command: owner.command });
  return waitForLock(() => tryAcquireLockFile(path, self, describeProjectHolder), wait);
}

function describeProjectHolder(holder: LockHolder, path: string): LockerError {
  // On this machine the host name says nothing: `pid 42 (locker up) since ...`.
  return new LockerError('LOCK_HELD', `project is locked by ${describeHolder(holder, describeHere().hostname)}`, {
    hint: `wait for it to finish, or run \`locker unlock\` if that process is stuck`,
    retryable: true,
  });
}
