// The netfilter commands Locker runs, per family: one `iptables-save` (`ip6tables-save`) to read, one
// `iptables-restore --noflush` (`ip6tables-restore`) to change. argv arrays only; scripts go through stdin.

import { existsSync } from 'node:fs';
import { LockerError } from '../errors.js';
import { runProgram, type ProgramRun } from '../proc/run-program.js';
import type { Family } from './family.js';

const TIMEOUT_MS = 30_000;

const COMMANDS = {
  ipv4: { save: 'iptables-save', restore: 'iptables-restore' },
  ipv6: { save: 'ip6tables-save', restore: 'ip6tables-restore' },
} as const;

/** Exists exactly when the kernel has IPv6 (absent after booting with `ipv6.disable=1`). */
const KERNEL_IPV6 = '/proc/net/if_inet6';

const INSTALL_HINT = 'install it: apt-get install -y iptables';
const IPV6_HINT =
  'IPv6 forwards need ip6tables and IPv6 NAT in the kernel (nf_nat with nft_chain_nat or ip6table_nat); check with `ip6tables -t nat -S`';

/** All tables of the family as the save command prints them. */
export async function saveRules(family: Family): Promise<string> {
  const file = COMMANDS[family].save;
  return succeeded(family, file, [], undefined, await run(file, [], undefined));
}

/**
 * `ip6tables-save` output, or why this host cannot hold IPv6 rules at all (no IPv6 in its kernel, no
 * ip6tables). Such a host has no IPv6 forwards: a reader may take that as none, a writer must refuse.
 */
export async function saveIpv6Rules(): Promise<{ text: string } | { unavailable: LockerError }> {
  // Checked synchronously (procfs answers from memory): ip6tables-save then starts in the same tick as iptables-save,
  // not after whatever synchronous work the caller does next (observe scans /proc).
  if (!existsSync(KERNEL_IPV6)) {
    const unavailable = new LockerError('HOST_PRECONDITION', 'this host has no IPv6: its kernel was booted with IPv6 disabled', {
      hint: 'boot without ipv6.disable=1, or forward the port over IPv4 (no brackets)',
    });
    return { unavailable };
  }
  const file = COMMANDS.ipv6.save;
  const result = await run(file, [], undefined);
  if (result.errorCode === 'ENOENT') {
    return { unavailable: new LockerError('HOST_PRECONDITION', `${file} not found: IPv6 forwards need ip6tables`, { hint: INSTALL_HINT }) };
  }
  return { text: succeeded('ipv6', file, [], undefined, result) };
}

/** Applies a restore script atomically: either every line takes effect or none does. */
export async function restoreRules(family: Family, script: string): Promise<void> {
  // -w waits for the xtables lock instead of failing when another tool holds it.
  const file = COMMANDS[family].restore;
  const args = ['-w', '--noflush'];
  succeeded(family, file, args, script, await run(file, args, script));
}

function run(file: string, args: string[], input: string | undefined): Promise<ProgramRun> {
  return runProgram(file, args, { ...(input === undefined ? {} : { input }), timeoutMs: TIMEOUT_MS, env: { LC_ALL: 'C' } });
}

/** The command's stdout, or a NET_COMMAND_FAILED with its short and full form. */
function succeeded(family: Family, file: string, args: string[], input: string | undefined, result: ProgramRun): string {
  if (!result.failed) return result.stdout;
  const command = [file, ...args].join(' ');
  const missing = result.errorCode === 'ENOENT';
  throw new LockerError('NET_COMMAND_FAILED', missing ? `${file} not found` : `${command} failed`, {
    hint: missing ? INSTALL_HINT : family === 'ipv6' ? IPV6_HINT : undefined,
    retryable: !missing,
    detail: [
      `command: ${command}`,
      `exit code: ${result.exitCode ?? 'none'}${result.timedOut ? ' (timed out)' : ''}`,
      `stderr: ${result.stderr.trim() || (result.signal === undefined ? '' : `killed by ${result.signal}`)}`,
      ...(input === undefined ? [] : [`input:\n${input}`]),
    ].join('\n'),
  });
}
