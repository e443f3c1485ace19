// Runs the built `bin/locker` as a user would: a separate process, argv only, no terminal.

import { execa } from 'execa';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCKER_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/locker');

const RUN_TIMEOUT_MS = 100_000;

export interface LockerResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runLocker(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<LockerResult> {
  const r = await execa(process.execPath, [LOCKER_BIN, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    reject: false,
    stdin: 'ignore',
    // Under the 120 s test timeout, so a hung command fails its own test and does not hold the project's lock
    // into the next ones. SIGTERM first: Locker records the interruption; SIGKILL if it does not exit.
    timeout: RUN_TIMEOUT_MS,
    forceKillAfterDelay: 5_000,
  });
  const stderr = String(r.stderr) + (r.timedOut ? `\n[test harness: killed after ${RUN_TIMEOUT_MS / 1000} s]` : '');
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr };
}

/** A short human summary of a failed command, for assertion messages. */
export function show(r: LockerResult): string {
  return `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** The warning of a command that took over the project lock of a dead control point (`locker up`). */
export function tookOverFrom(pid: number): RegExp {
  return new RegExp(`^warning: took over the project lock from pid ${pid} on \\S+ \\(locker up\\) since \\S+: that process is gone$`, 'm');
}
