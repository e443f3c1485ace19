// A throwaway LXC "host" for a benchmark: its own lxcpath under /tmp (bench-*), removed afterwards.
// It only ever lists, stops and destroys containers of its own lxcpath, and releases only its own leases.

import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ADDRESS_DIR, giveBackAddresses, readClaims } from '../src/lxc/index.js';
import { onCleanup } from './cleanup.js';
import { timedRun } from './proc.js';

export interface BenchLxcPath {
  lxcpath: string;
  /**
   * Waits (untimed, up to 30 s) until every container there has its DHCP lease, and remembers the
   * addresses so destroy() can give the leases back. Returns how many have an address.
   */
  awaitLeases(): Promise<number>;
  /** Kills and destroys everything in the lxcpath, removes it, and releases the leases it took. */
  destroy(): Promise<void>;
}

/**
 * LXC's dnsmasq on lxcbr0 has 253 leases of an hour, shared by everyone on this machine, and every new
 * container has a new random MAC. A full pool is not harmless: busybox's rcS runs udhcpc in the foreground,
 * so a container without a lease ignores the halt signal and every clean stop runs into its 10 s timeout.
 * The benchmark creates hundreds of containers, so it gives back each lease it took.
 */
const LEASES = '/var/lib/misc/dnsmasq.lxcbr0.leases';

/** Active leases on lxcbr0 (expiry in the future). */
export function activeLeases(): number {
  if (!existsSync(LEASES)) return 0;
  const now = Date.now() / 1000;
  return readFileSync(LEASES, 'utf8')
    .split('\n')
    .filter((l) => Number(l.split(' ')[0]) > now).length;
}

async function releaseLeases(ips: ReadonlySet<string>): Promise<void> {
  if (ips.size === 0 || !existsSync(LEASES)) return;
  for (const line of readFileSync(LEASES, 'utf8').split('\n')) {
    const [, mac, ip, , clientId] = line.split(' ');
    if (mac === undefined || ip === undefined || !ips.has(ip)) continue;
    await timedRun('dhcp_release', ['lxcbr0', ip, mac, ...(clientId && clientId !== '*' ? [clientId] : [])]);
  }
}

/** The IPv4 addresses of every container in `lxcpath`, by name (one lxc-ls). */
export async function addresses(lxcpath: string): Promise<Map<string, string[]>> {
  const r = await timedRun('lxc-ls', ['-P', lxcpath, '-f', '-F', 'NAME,IPV4']);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.split('\n').slice(1)) {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (!name) continue;
    const ips = rest.join(' ').split(',').map((x) => x.trim());
    out.set(name, ips.filter((x) => /^\d+\.\d+\.\d+\.\d+$/.test(x)));
  }
  return out;
}

export async function listNames(lxcpath: string): Promise<string[]> {
  const r = await timedRun('lxc-ls', ['-P', lxcpath, '-1']);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export async function listStates(lxcpath: string): Promise<Map<string, string>> {
  const r = await timedRun('lxc-ls', ['-P', lxcpath, '-f', '-F', 'NAME,STATE']);
  const out = new Map<string, string>();
  for (const line of r.stdout.split('\n').slice(1)) {
    const [name, state] = line.trim().split(/\s+/);
    if (name && state) out.set(name, state);
  }
  return out;
}

async function destroyAll(lxcpath: string): Promise<void> {
  if (!existsSync(lxcpath)) return;
  for (const name of await listNames(lxcpath)) await timedRun('lxc-stop', ['-P', lxcpath, '-n', name, '-k']);
  // Snapshot clones block their origin's destroy: go round until nothing is left.
  for (let round = 0; round < 5; round++) {
    const left = await listNames(lxcpath);
    if (left.length === 0) break;
    for (const name of left) await timedRun('lxc-destroy', ['-P', lxcpath, '-n', name]);
  }
  const left = await listNames(lxcpath);
  if (left.length > 0) throw new Error(`could not destroy bench containers in ${lxcpath}: ${left.join(', ')}`);
  rmSync(lxcpath, { recursive: true, force: true });
}

/**
 * Address claims (DHCP reservations) left by containers of this lxcpath: a run that failed before its
 * down, Locker's or the shell script's. Removed, and their leases given back.
 */
async function dropClaims(lxcpath: string): Promise<void> {
  const mine = (await readClaims()).filter((c) => c.lxcpath === lxcpath);
  for (const c of mine) rmSync(path.join(ADDRESS_DIR, c.bridge, c.ip), { force: true });
  await giveBackAddresses(mine);
}

export function newLxcPath(tag: string): BenchLxcPath {
  const lxcpath = mkdtempSync(`/tmp/bench-${tag}-`);
  const ips = new Set<string>();
  const awaitLeases = async () => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const seen = await addresses(lxcpath);
      for (const list of seen.values()) for (const ip of list) ips.add(ip);
      const withIp = [...seen.values()].filter((l) => l.length > 0).length;
      if (withIp === seen.size || Date.now() > deadline) return withIp;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const remove = onCleanup(`lxcpath ${lxcpath}`, async () => {
    await destroyAll(lxcpath);
    await releaseLeases(ips);
    await dropClaims(lxcpath);
  });
  return { lxcpath, awaitLeases, destroy: remove };
}
