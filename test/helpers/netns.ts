// A simulated remote machine for tests: a network namespace joined to the host by a veth pair.
// Creates only names that start with the caller's prefix and removes only those.

import { randomInt } from 'node:crypto';
import { execa } from 'execa';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RemoteClient {
  /** Namespace name, `${prefix}ns`. */
  ns: string;
  /** The host's address on the veth link: what a remote client connects to. */
  hostAddress: string;
  /** The client's own address inside the namespace. */
  clientAddress: string;
  /** Runs argv inside the namespace (`ip netns exec NS ...`); never throws on a non-zero exit. */
  exec(argv: string[], opts?: { timeoutMs?: number }): Promise<CommandResult>;
  /** Removes the namespace and the veth pair; safe to call twice or after a half-done create. */
  destroy(): Promise<void>;
}

/** Runs argv without a shell; never throws on a non-zero exit. */
export async function run(argv: string[], timeoutMs = 30_000): Promise<CommandResult> {
  const [file, ...args] = argv as [string, ...string[]];
  const r = await execa(file, args, { reject: false, timeout: timeoutMs, stdin: 'ignore' });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** Runs argv; a non-zero exit throws with the command and its stderr. */
export async function must(argv: string[]): Promise<string> {
  const r = await run(argv);
  if (r.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** A /30 in 10.213.0.0/16 that no interface of the host uses yet. */
async function freeSubnet(): Promise<number> {
  const used = await must(['ip', '-4', '-o', 'addr', 'show']);
  for (let tries = 0; tries < 64; tries++) {
    const x = randomInt(0, 256);
    if (!used.includes(` 10.213.${x}.`)) return x;
  }
  throw new Error('no free 10.213.X.0/30 for a test namespace');
}

export async function createRemoteClient(prefix: string): Promise<RemoteClient> {
  // Interface names are limited to 15 characters; `${prefix}ns` is the longest we make.
  if (!/^[a-z0-9]{1,13}$/.test(prefix)) throw new Error(`netns prefix must be 1..13 of [a-z0-9]: ${prefix}`);
  const ns = `${prefix}ns`;
  const hostSide = `${prefix}h`;
  const nsSide = `${prefix}c`;

  const destroy = async (): Promise<void> => {
    // Deleting the host side removes its peer too; check first so a second call is a no-op, not an error.
    if ((await run(['ip', 'link', 'show', 'dev', hostSide])).exitCode === 0) await must(['ip', 'link', 'del', hostSide]);
    const namespaces = await must(['ip', 'netns', 'list']);
    if (namespaces.split('\n').some((l) => l.split(' ')[0] === ns)) await must(['ip', 'netns', 'del', ns]);
  };

  try {
    const x = await freeSubnet();
    const hostAddress = `10.213.${x}.1`;
    const clientAddress = `10.213.${x}.2`;
    await must(['ip', 'netns', 'add', ns]);
    await must(['ip', 'link', 'add', hostSide, 'type', 'veth', 'peer', 'name', nsSide]);
    await must(['ip', 'link', 'set', nsSide, 'netns', ns]);
    await must(['ip', 'addr', 'add', `${hostAddress}/30`, 'dev', hostSide]);
    await must(['ip', 'link', 'set', hostSide, 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'addr', 'add', `${clientAddress}/30`, 'dev', nsSide]);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', nsSide, 'up']);
    await must(['ip', 'netns', 'exec', ns, 'ip', 'route', 'add', 'default', 'via', hostAddress]);
    return {
      ns,
      hostAddress,
      clientAddress,
      exec: (argv, opts) => run(['ip', 'netns', 'exec', ns, ...argv], opts?.timeoutMs),
      destroy,
    };
  } catch (e) {
    await destroy();
    throw e;
  }
}
