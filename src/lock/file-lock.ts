// "One apply at a time per project" in embedded mode: a lock file naming the command that holds it.

import { LockerError } from '../errors.js';
import { describeSelf, type LockHolder } from './holder.js';
import { acquireLockFile, type HeldLock } from './lock-file.js';

export interface LockOwner {
  /** The command line that takes the lock, e.g. `up` or `locker up web`. */
  command: string;
}

export async function acquireFileLock(path: string, owner: LockOwner): Promise<HeldLock> {
  return acquireLockFile(path, describeSelf({ command: owner.command }), describeProjectHolder);
}

function describeProjectHolder(holder: LockHolder, path: string): LockerError {
  const where = holder.hostname === describeSelf().hostname ? '' : ` on ${holder.hostname}`;
  const command = typeof holder.command === 'string' ? ` (${asLockerCommand(holder.command)})` : '';
  return new LockerError('LOCK_HELD', `project is locked by pid ${holder.pid}${where}${command} since ${holder.since}`, {
    hint: `wait for it to finish, or remove ${path} if that process is gone`,
    retryable: true,
  });
}

function asLockerCommand(command: string): string {
  return command === 'locker' || command.startsWith('locker ') ? command : `locker ${command}`;
}
