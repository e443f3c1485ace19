// Who holds a lock, and whether that process is still there: the machine side of judge-holder.ts.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { judgeHolder, type Here, type ProcessProbe, type Verdict } from './judge-holder.js';

/** The JSON a lock holds; callers may add fields (the project lock adds `command`). */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** ISO-8601. */
  since: string;
  [field: string]: unknown;
}

let here: Here | undefined;

/**
 * This machine and process. The machine id and boot id tell a pid of an earlier boot from a live
 * one, and the process's start time a pid that was reused since: pids come back, these do not.
 */
export function describeHere(): Here {
  here ??= {
    hostname: hostname(),
    machineId: readTrimmed('/etc/machine-id') ?? readTrimmed('/var/lib/dbus/machine-id'),
    bootId: readTrimmed('/proc/sys/kernel/random/boot_id'),
    pid: process.pid,
  };
  return { ...here, hostname: hostname() };
}

export function describeSelf(extra: Record<string, unknown> = {}): LockHolder {
  const { hostname: name, machineId, bootId } = describeHere();
  const startTicks = probeProcess(process.pid).startTicks;
  return {
    ...extra,
    pid: process.pid,
    hostname: name,
    since: new Date().toISOString(),
    ...(machineId === undefined ? {} : { machineId }),
    ...(bootId === undefined ? {} : { bootId }),
    ...(startTicks === undefined ? {} : { startTicks }),
  };
}

/** The holder in a lock's text, or undefined when the text is not one (hand-edited, foreign). */
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

/** Whether the holder is provably dead, judged on this machine now (see judgeHolder). */
export function judgeHolderHere(holder: LockHolder, ownedHere: boolean): Verdict {
  return judgeHolder(holder, describeHere(), ownedHere, probeProcess);
}

export function isHolderAlive(holder: LockHolder, ownedHere: boolean): boolean {
  return !judgeHolderHere(holder, ownedHere).dead;
}

export function isProcessAlive(pid: number): boolean {
  return probeProcess(pid).alive;
}

/**
 * A process killed (kill -9) but not yet reaped by its parent still answers signal 0: it holds
 * nothing any more. Linux says so in /proc, with the process's start time; elsewhere only
 * signal 0 answers.
 */
export function probeProcess(pid: number): ProcessProbe {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false };
  }
  const stat = readTrimmed(`/proc/${pid}/stat`);
  if (stat === undefined) return { alive: true };
  // `pid (comm) state ppid ...`: comm may hold spaces and parentheses; fields follow the last `)`.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return { alive: false };
  const startTicks = Number(fields[19]); // field 22 of proc(5), `starttime`
  return Number.isSafeInteger(startTicks) ? { alive: true, startTicks } : { alive: true };
}

function readTrimmed(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
}
