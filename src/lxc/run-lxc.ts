// One lxc-* tool run with an argv array: never a shell string.
// A failure becomes LXC_COMMAND_FAILED with a short message and the full command in `detail`.

import { LockerError } from '../errors.js';
import { runProgram } from '../proc/run-program.js';

export interface RunLxcOptions {
  /** Whether the caller may simply try again (start/stop: yes; a template script failing: no). */
  retryable?: boolean;
  /** Shown in the message; defaults to the value after `-n`. */
  subject?: string;
  timeoutMs?: number;
  /** Exit codes that are an answer, not a failure (e.g. lxc-info on a missing container). */
  okExitCodes?: number[];
  /** What to install when the tool is missing; LXC by default (the same runner serves `ip` and `dhcp_release`). */
  missingHint?: string;
  /** Fed to the tool's standard input. */
  input?: string;
}

export interface LxcOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export async function runLxc(tool: string, args: string[], opts: RunLxcOptions = {}): Promise<LxcOutput> {
  const result = await runProgram(tool, args, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // Stable, parseable output whatever the caller's locale.
    env: { LC_ALL: 'C' },
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  const exitCode = result.exitCode;
  if (!result.failed || (exitCode !== undefined && (opts.okExitCodes ?? []).includes(exitCode))) {
    return { stdout: result.stdout, stderr: result.stderr, exitCode: exitCode ?? 0 };
  }
  const subject = opts.subject ?? subjectOf(args);
  const missing = result.errorCode === 'ENOENT';
  const how = missing
    ? 'not found'
    : result.timedOut
      ? 'timed out'
      : exitCode !== undefined
        ? `exit ${exitCode}`
        : `signal ${result.signal ?? 'unknown'}`;
  throw new LockerError('LXC_COMMAND_FAILED', `${tool} failed${subject ? ` for ${subject}` : ''} (${how})`, {
    hint: missing ? (opts.missingHint ?? 'install LXC: apt-get install -y lxc') : undefined,
    retryable: missing ? false : (opts.retryable ?? false),
    detail: describeRun(tool, args, result.exitCode, result.stderr),
  });
}

/** The long form of a run: argv (JSON-quoted so spaces stay visible), exit code, stderr. */
export function describeRun(tool: string, args: string[], exitCode: number | undefined, stderr: string): string {
  return [
    `command: ${JSON.stringify([tool, ...args])}`,
    `exit code: ${exitCode ?? 'none'}`,
    `stderr: ${stderr.trim()}`,
  ].join('\n');
}

function subjectOf(args: string[]): string | undefined {
  const i = args.indexOf('-n');
  return i >= 0 ? args[i + 1] : undefined;
}
