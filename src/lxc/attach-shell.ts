// One provision command inside a container: lxc-attach with a fixed argv, the command's text one argv entry
// after `--` for the container's /bin/sh. Nothing of it is ever read by a shell on the host.

import { constants } from 'node:os';
import type { ProvisionCommand } from '../rules/provision.js';
import { runProgram } from '../proc/run-program.js';

/** A provision command may install a system: hours, not seconds. Past this it is killed (and fails). */
export const PROVISION_COMMAND_TIMEOUT_MS = 2 * 3600_000;

/**
 * The host argv: fixed but for the lxcpath, the name (both checked by the agent), `NAME=VALUE` pairs
 * (names checked) and the command, which only the container's shell reads. `--clear-env`: nothing of the
 * agent's environment reaches the command; lxc-attach sets `container=lxc` and a default PATH.
 */
export function attachShellArgv(lxcpath: string, name: string, command: ProvisionCommand): string[] {
  const vars = Object.entries(command.env ?? {}).flatMap(([k, v]) => ['--set-var', `${k}=${v}`]);
  return ['-n', name, '-P', lxcpath, '--clear-env', ...vars, '--', '/bin/sh', '-c', command.run];
}

export type ShellEnd =
  | { ok: true }
  | { ok: false; exitCode: number; signal?: string }
  | { ok: false; hostSignal: string }
  | { ok: false; timedOut: true }
  | { ok: false; notStarted: string };

/**
 * Runs the command and streams its output (stdout and stderr as they come). The exit status of the
 * container's shell comes back through lxc-attach; a shell reports a command killed by signal N as 128+N,
 * which is read as that signal.
 */
export async function attachShell(
  lxcpath: string,
  name: string,
  command: ProvisionCommand,
  onOutput: (text: string) => void,
  timeoutMs = PROVISION_COMMAND_TIMEOUT_MS,
): Promise<ShellEnd> {
  // cwd `/`: lxc-attach starts the command in the caller's folder when the container has one of that name.
  const run = await runProgram('lxc-attach', attachShellArgv(lxcpath, name, command), { timeoutMs, onOutput, cwd: '/' });
  if (run.errorCode !== undefined) return { ok: false, notStarted: run.errorCode };
  if (run.timedOut) return { ok: false, timedOut: true };
  if (run.exitCode === undefined) return { ok: false, hostSignal: run.signal ?? 'unknown' };
  if (run.exitCode === 0) return { ok: true };
  const signal = run.exitCode > 128 ? signalName(run.exitCode - 128) : undefined;
  return signal === undefined ? { ok: false, exitCode: run.exitCode } : { ok: false, exitCode: run.exitCode, signal };
}

function signalName(n: number): string | undefined {
  return Object.entries(constants.signals).find(([, v]) => v === n)?.[0];
}
