// Who holds a lock file, and whether that process is still there.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** The JSON a lock file holds; callers may add fields (the project lock adds `command`). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO-8601. */
  since: string;
  [field: string]: unknown;
}

export function describeSelf(extra: Record<string, unknown> = {}): LockHolder {
  return { ...extra, pid: process.pid, hostname: hostname(), since: new Date().toISOString() };
}

/** The holder in a lock file's text, or undefined when the text is not one (hand-edited, foreign). */
export function parseHolder(text: string): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const validPid = typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0;
  if (!validPid || typeof v.hostname !== 'string' || typeof v.since !== 'string') return undefined;
  return v as LockHolder;
}

/**
 * A holder is stale only when we can prove it: same host and no such pid. A holder on another
 * host cannot be checked from here, so it counts as alive. `ownedHere` tells whether this
 * process really holds that exact lock, because a pid equal to ours may be a previous boot's
 * (containers reuse small pids).
 */
export function isHolderAlive(holder: LockHolder, ownedHere: boolean): boolean {
  if (holder.hostname !== hostname()) return true;
  if (holder.pid === process.pid) return ownedHere;
  return isProcessAlive(holder.pid);
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A process killed (kill -9) but not yet reaped by its parent still answers signal 0: it holds
 * nothing any more. Linux says so in /proc; elsewhere it counts as alive.
 */
function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // `pid (comm) state ...`: comm may hold spaces and parentheses, the state follows the last `)`.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
}
