// Network namespaces joined to the host over IPv6 for tests: each gets a veth pair and a /64 of a
// unique-local prefix chosen per run. Creates only names that start with the caller's prefix, removes only those.

import { randomInt } from 'node:crypto';
import { execa, type ResultPromise } from 'execa';
import { must, run, type CommandResult } from './netns.js';

export interface Ipv6Namespace {
  /** Namespace name, `${name}n`. */
  ns: string;
  /** The host's address on the veth link (what the namespace reaches the host by). */
  hostAddress: string;
  /** The namespace's own address. */
  nsAddress: string;
  /** Runs argv inside the namespace; never throws on a non-zero exit. */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Starts a long-running argv inside the namespace; stopped by destroy() at the latest. */
  spawn(argv: string[]): ResultPromise;
  /** Stops what spawn started, removes the namespace and the veth pair; safe to call twice or after a half-done create. */
  destroy(): Promise<void>;
}

/** A `fdXX:XXXX:XXXX` /48 that no interface of the host has an address in: each run its own. */
export async function freeUlaPrefix(): Promise<string> {
  const used = await must(['ip', '-6', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 64; tries++) {
    const prefix = `fd42:${randomInt(0, 0x10000).toString(16)}:${randomInt(0, 0x10000).toString(16)}`;
    if (!used.includes(` ${prefix}:`)) return prefix;
  }
  throw new Error('no free fd42::/16 prefix for a test namespace');
}

/** `${name}n` joined by `${name}h` (host side) and `${name}p` (its peer) on `${prefix64}::/64`: host ::1, namespace ::2. */
export async function createIpv6Namespace(name: string, prefix64: string): Promise<Ipv6Namespace> {
  // Interface names are limited to 15 characters.
  if (!/^[a-z0-9]{1,14}$/.test(name)) throw new Error(`namespace name must be 1..14 of [a-z0-9]: ${name}`);
  const ns = `${name}n`;
  const hostSide = `${name}h`;
  const nsSide = `${name}p`;
  const hostAddress = `${prefix64}::1`;
  const nsAddress = `${prefix64}::2`;
  const started: ResultPromise[] = [];

  const destroy = async (): Promise<void> => {
    for (const p of started.splice(0)) {
      if (p.exitCode === null) p.kill('SIGKILL');
      await p.catch(() => undefined);
    }
    // Deleting the host side removes its peer too; check first so a second call is a no-op, not an error.
    if ((await run(['ip', 'link', 'show', 'dev', hostSide])).exitCode === 0) await must(['ip', 'link', 'del', hostSide]);
    const namespaces = await must(['ip', 'netns', 'list']);
    if (namespaces.split('\n').some((l) => l.split(' ')[0] === ns)) await must(['ip', 'netns', 'del', ns]);
  };

  try {
    await must(['ip', 'netns', 'add', ns]);
    await must(['ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide]);
    await must(['ip', 'link', 'set', nsSide, 'netns', ns]);
    // nodad: the addresses are usable at once, not after duplicate address detection.
    await must(['ip', '-6', 'addr', 'add', `${hostAddress}/64`, 'dev', hostSide, 'nodad']);
    await must(['ip', 'link', 'set', hostSide, 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', '-6', 'addr', 'add', `${nsAddress}/64`, 'dev', nsSide, 'nodad']);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', '-6', 'route', 'add', 'default', 'via', hostAddress]);
    return {
      ns,
      hostAddress,
      nsAddress,
      exec: (argv, opts) => run(['ip', 'netns', 'exec', ns, ...argv], opts?.timeoutMs),
      spawn: (argv) => {
        const p = execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, stdin: 'ignore' });
        started.push(p);
        return p;
      },
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
