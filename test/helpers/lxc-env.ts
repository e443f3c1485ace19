// A throwaway LXC "host" for integration tests: its own lxcpath under /tmp and a unique name prefix.
// destroyAll() removes every container of that lxcpath and the folder; it touches nothing else.

import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { giveBackAddresses, readClaims, releaseClaims, releaseRangesOf } from '../../src/lxc/index.js';

export interface LxcEnv {
  lxcpath: string;
  /** e.g. `it3f9a`: start every container (and project) name with it. */
  prefix: string;
  /** Runs `tool -P lxcpath ...args`; never rejects, the caller looks at exitCode. */
  lxc(tool: string, args: string[]): Promise<{ stdout: string; stderr: string; exitCode: number }>;
  destroyAll(): Promise<void>;
}

const TOOLS: RequiredTool[] = [
  { bin: 'lxc-create', pkg: 'lxc' },
  { bin: 'busybox', pkg: 'busybox-static' },
  { bin: 'iptables', pkg: 'iptables' },
];

export interface RequiredTool {
  bin: string;
  /** The Debian package that installs it. */
  pkg: string;
}

/**
 * Fails (never skips) with the install command when a prerequisite (or one of a test's `extra` tools) is
 * missing; makes sure lxcbr0 serves DHCP.
 */
export async function requireTools(extra: readonly RequiredTool[] = []): Promise<void> {
  const missing: string[] = [];
  for (const t of [...TOOLS, ...extra]) {
    const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', t.bin], { reject: false });
    if (r.exitCode !== 0) missing.push(t.pkg);
  }
  if (missing.length > 0) {
    throw new Error(`missing prerequisites: apt-get update && apt-get install -y ${[...new Set(missing)].join(' ')}`);
  }
  await requireBridge();
}

const SETUP_HOST = fileURLToPath(new URL('../../bin/setup-host', import.meta.url));

/**
 * lxcbr0 with its address and a live dnsmasq: a bridge whose DHCP server died (the session that started it ended)
 * lets containers start but never gives them an address. bin/setup-host repairs it; if it can't, the test fails.
 */
async function requireBridge(): Promise<void> {
  const check = await execa('bash', [SETUP_HOST, '--check'], { reject: false, stdin: 'ignore' });
  if (check.exitCode === 0) return;
  const repair = await execa('bash', [SETUP_HOST], { reject: false, stdin: 'ignore', all: true });
  if (repair.exitCode !== 0) {
    throw new Error(`${check.stderr.trim()}\nbin/setup-host could not repair it (exit ${repair.exitCode}):\n${repair.all}`);
  }
}

/** The address claims (and so the DHCP reservations and leases) of every container Locker addressed under `lxcpath`. */
async function releaseAddressesOf(lxcpath: string): Promise<void> {
  const claims = (await readClaims()).filter((c) => c.lxcpath === lxcpath);
  for (const c of claims) await releaseClaims(c);
  await giveBackAddresses(claims);
}

export async function createLxcEnv(): Promise<LxcEnv> {
  const lxcpath = await mkdtemp('/tmp/locker-it-');
  const prefix = `it${randomBytes(2).toString('hex')}`;
  const lxc = async (tool: string, args: string[]) => {
    const r = await execa(tool, ['-P', lxcpath, ...args], { reject: false, stdin: 'ignore' });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode ?? -1 };
  };
  const names = async () => (await lxc('lxc-ls', ['-1'])).stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const destroyAll = async () => {
    for (const name of await names()) await lxc('lxc-stop', ['-n', name, '-k']);
    // Snapshot clones block their origin's destroy: go round until nothing is left.
    for (let round = 0; round < 10; round++) {
      const left = await names();
      if (left.length === 0) break;
      for (const name of left) await lxc('lxc-destroy', ['-n', name]);
    }
    const left = await names();
    if (left.length > 0) throw new Error(`could not destroy test containers in ${lxcpath}: ${left.join(', ')}`);
    await releaseAddressesOf(lxcpath);
    await releaseRangesOf(lxcpath);
    await rm(lxcpath, { recursive: true, force: true });
  };
  return { lxcpath, prefix, lxc, destroyAll };
}
