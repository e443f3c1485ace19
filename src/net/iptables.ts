// The two netfilter commands Locker runs: one `iptables-save` to read, one `iptables-restore --noflush` to change.
// argv arrays only; the restore script goes through stdin, never through a shell.

import { execa } from 'execa';
import { LockerError } from '../errors.js';

const TIMEOUT_MS = 30_000;

/** All tables as `iptables-save` prints them. */
export async function saveRules(): Promise<string> {
  return run('iptables-save', [], undefined);
}

/** Applies a restore script atomically: either every line takes effect or none does. */
export async function restoreRules(script: string): Promise<void> {
  // -w waits for the xtables lock instead of failing when another tool holds it.
  await run('iptables-restore', ['-w', '--noflush'], script);
}

async function run(file: string, args: string[], input: string | undefined): Promise<string> {
  const result = await execa(file, args, {
    input,
    reject: false,
    timeout: TIMEOUT_MS,
    env: { LC_ALL: 'C' },
  });
  if (!result.failed) return result.stdout;
  const command = [file, ...args].join(' ');
  const missing = result.code === 'ENOENT';
  throw new LockerError('NET_COMMAND_FAILED', missing ? `${file} not found` : `${command} failed`, {
    hint: missing ? 'install it: apt-get install -y iptables' : undefined,
    retryable: !missing,
    detail: [
      `command: ${command}`,
      `exit code: ${result.exitCode ?? 'none'}${result.timedOut ? ' (timed out)' : ''}`,
      `stderr: ${result.stderr.trim() || result.shortMessage || ''}`,
      ...(input === undefined ? [] : [`input:\n${input}`]),
    ].join('\n'),
  });
}
