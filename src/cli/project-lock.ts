// Taking the project lock from the CLI: a countdown while a live holder has it, a warning when a
// dead holder's lock is taken over. On a terminal the countdown rewrites one line; in a log, one
// line says that waiting starts (and another when the holder changes), not one per second.

import { describeTakeover, formatLockWait, type HeldLock, type LockWait, type LockWaitNote } from '../lock/index.js';
import type { Io } from './output.js';
import type { ProjectContext } from './project-context.js';

const WHAT = 'the project lock';

export async function takeProjectLock(ctx: ProjectContext, command: string, timeoutMs: number, io: Io): Promise<HeldLock> {
  const lock = await ctx.control.acquireLock(command, { timeoutMs, report: reportLockWait(io) });
  if (lock.tookOver) io.err(describeTakeover(WHAT, lock.tookOver.holder, lock.tookOver.reason));
  return lock;
}

export function reportLockWait(io: Io): NonNullable<LockWait['report']> {
  const progress = io.progress;
  if (progress !== undefined) {
    return (note) => progress(note.phase === 'end' ? undefined : formatLockWait(WHAT, note.holder, note.leftMs));
  }
  let said: string | undefined;
  return (note: LockWaitNote) => {
    if (note.phase === 'end') return;
    const who = JSON.stringify(note.holder ?? null);
    if (who === said) return;
    said = who;
    io.err(formatLockWait(WHAT, note.holder, note.leftMs));
  };
}
