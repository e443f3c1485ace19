// lxc-net's dnsmasq from the outside: its lease file, whether it reads Locker's reservations, telling it
// to forget a reservation (SIGHUP), and giving a lease back at once (dhcp_release) when a container goes.

import path from 'node:path';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { ADDRESS_DIR } from './address-claims.js';
import { LXC_NET_BRIDGE, type LxcNetPaths } from './bridge-dhcp.js';
import { runLxc } from './run-lxc.js';

export interface DhcpLease {
  /** Unix seconds; 0 for an infinite lease. */
  expires: number;
  mac: string;
  ip: string;
  /** `*` when the client sent none. */
  hostname: string;
}

export const LEASE_FILE = `/var/lib/misc/dnsmasq.${LXC_NET_BRIDGE}.leases`;

/** `EXPIRY MAC IP HOSTNAME CLIENTID` per line (dnsmasq's format); IPv6 lines and the DUID line are skipped. */
export function parseLeases(text: string): DhcpLease[] {
  const leases: DhcpLease[] = [];
  for (const line of text.split('\n')) {
    const [expires, mac, ip, hostname] = line.trim().split(/\s+/);
    if (expires === undefined || mac === undefined || ip === undefined || !/^\d+$/.test(expires) || !/^[\d.]+$/.test(ip)) continue;
    leases.push({ expires: Number(expires), mac: mac.toLowerCase(), ip, hostname: hostname ?? '*' });
  }
  return leases;
}

/** Leases still valid at `nowSeconds`. */
export async function readLeases(nowSeconds: number, file = LEASE_FILE): Promise<DhcpLease[]> {
  const text = await readTextIfExists(file);
  return text === undefined ? [] : parseLeases(text).filter((l) => l.expires === 0 || l.expires > nowSeconds);
}

const LXC_NET: LxcNetPaths = { pidFile: '/run/lxc/dnsmasq.pid', procRoot: '/proc' };

/** The running dnsmasq of lxc-net: its pid and arguments, when it serves `bridge`. */
async function lxcNetDnsmasq(bridge: string, paths: LxcNetPaths): Promise<{ pid: number; args: string[] } | undefined> {
  const pid = (await readTextIfExists(paths.pidFile))?.trim();
  if (pid === undefined || !/^\d+$/.test(pid)) return undefined;
  const cmdline = await readTextIfExists(`${paths.procRoot}/${pid}/cmdline`);
  const args = cmdline?.split('\0') ?? [];
  return args.includes(`--interface=${bridge}`) ? { pid: Number(pid), args } : undefined;
}

/**
 * Who hands out addresses on `bridge`: lxc-net's dnsmasq reading Locker's reservation folder for it, one
 * that does not, or nobody Locker knows of.
 */
export async function dhcpOf(bridge: string, dir = ADDRESS_DIR, paths = LXC_NET): Promise<'reservations' | 'unreserved' | 'none'> {
  const server = await lxcNetDnsmasq(bridge, paths);
  if (server === undefined) return 'none';
  const conf = server.args.find((a) => a.startsWith('--conf-file='))?.slice('--conf-file='.length);
  const text = conf === undefined ? undefined : await readTextIfExists(conf);
  const wanted = `dhcp-hostsdir=${path.join(dir, bridge)}`;
  return text?.split('\n').some((l) => l.trim() === wanted) ? 'reservations' : 'unreserved';
}

/**
 * dnsmasq reads new reservation files by itself, but keeps removed ones until SIGHUP: sent after a
 * claim goes, so the address can serve another MAC.
 */
export async function forgetRemovedReservations(bridge: string, paths = LXC_NET): Promise<void> {
  const server = await lxcNetDnsmasq(bridge, paths);
  if (server === undefined) return;
  try {
    process.kill(server.pid, 'SIGHUP');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** Gives a lease back at once, instead of when it expires an hour later (dnsmasq-utils' dhcp_release). */
export async function releaseLease(bridge: string, lease: Pick<DhcpLease, 'ip' | 'mac'>): Promise<void> {
  await runLxc('dhcp_release', [bridge, lease.ip, lease.mac], {
    subject: `${lease.ip} (${lease.mac})`,
    retryable: true,
    missingHint: 'install it: apt-get install -y dnsmasq-utils (bin/setup-host does)',
  });
}

/**
 * After reservations went (claims released or taken over): dnsmasq forgets removed ones on SIGHUP, and
 * dhcp_release ends each lease of those MACs on lxc-net's bridge now instead of in an hour.
 */
export async function giveBackAddresses(released: readonly { bridge: string; mac: string }[]): Promise<void> {
  if (released.length === 0) return;
  for (const bridge of new Set(released.map((r) => r.bridge))) await forgetRemovedReservations(bridge);
  const macs = new Set(released.map((r) => r.mac));
  const leases = (await readLeases(Math.floor(Date.now() / 1000))).filter((l) => macs.has(l.mac));
  for (const lease of leases) await releaseLease(LXC_NET_BRIDGE, lease);
}
