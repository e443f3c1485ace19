// The DHCP servers on the host's bridges, seen from outside: dnsmasq processes (lxc-net's, or one of the
// user's), the bridge each serves, its lease file, and whether it reads Locker's reservations for that
// bridge; telling one to forget removed reservations (SIGHUP), and giving a lease back at once.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { isIpv4 } from '../rules/ipv4.js';
import { ADDRESS_DIR } from './address-claims.js';
import { runLxc } from './run-lxc.js';

export interface DhcpLease {
  /** Unix seconds; 0 for an infinite lease. */
  expires: number;
  mac: string;
  ip: string;
  /** `*` when the client sent none. */
  hostname: string;
}

/** lxc-net's lease file for lxcbr0. */
export const LEASE_FILE = '/var/lib/misc/dnsmasq.lxcbr0.leases';
const DEFAULT_LEASE_FILE = '/var/lib/misc/dnsmasq.leases';

/** `EXPIRY MAC IP HOSTNAME CLIENTID` per line (dnsmasq's format); IPv6 lines and the DUID line are skipped. */
export function parseLeases(text: string): DhcpLease[] {
  const leases: DhcpLease[] = [];
  for (const line of text.split('\n')) {
    const [expires, mac, ip, hostname] = line.trim().split(/\s+/);
    if (expires === undefined || mac === undefined || ip === undefined || !/^\d+$/.test(expires) || !isIpv4(ip)) continue;
    leases.push({ expires: Number(expires), mac: mac.toLowerCase(), ip, hostname: hostname ?? '*' });
  }
  return leases;
}

export interface DhcpServer {
  pid: number;
  /** The bridges it serves (`--interface`). */
  bridges: string[];
  leaseFile: string;
  /** Its `dhcp-hostsdir` folders, from its arguments and its config file. */
  hostsDirs: string[];
}

/** What a dnsmasq command line (and the config file it names) says of its DHCP side. Pure. */
export function parseDnsmasqArgs(args: readonly string[], conf: string | undefined): Omit<DhcpServer, 'pid'> {
  const server: Omit<DhcpServer, 'pid'> = { bridges: [], leaseFile: DEFAULT_LEASE_FILE, hostsDirs: [] };
  const options: Array<[string, string]> = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const long = /^--([a-z-]+)=(.*)$/.exec(a);
    if (long) options.push([long[1]!, long[2]!]);
    else if ((a === '-i' || a === '-l') && args[i + 1] !== undefined) options.push([a === '-i' ? 'interface' : 'dhcp-leasefile', args[++i]!]);
  }
  for (const line of conf?.split('\n') ?? []) {
    const m = /^\s*([a-z-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) options.push([m[1]!, m[2]!]);
  }
  for (const [key, value] of options) {
    if (key === 'interface') server.bridges.push(...value.split(','));
    else if (key === 'dhcp-leasefile' || key === 'dhcp-lease-file') server.leaseFile = value;
    else if (key === 'dhcp-hostsdir') server.hostsDirs.push(path.normalize(value));
  }
  return server;
}

/**
 * Every running dnsmasq with its DHCP settings: a pass over /proc, a few file reads per dnsmasq.
 * The pass reads each process's `comm` synchronously: procfs answers from memory, and a few hundred
 * reads through the thread pool cost tens of milliseconds of CPU per call.
 */
export async function findDhcpServers(procRoot = '/proc'): Promise<DhcpServer[]> {
  const servers: DhcpServer[] = [];
  const cmdlines: string[] = [];
  for (const pid of readdirSync(procRoot).filter((p) => /^\d+$/.test(p))) {
    if (readProcFile(`${procRoot}/${pid}/comm`)?.trim() !== 'dnsmasq') continue;
    const cmdline = readProcFile(`${procRoot}/${pid}/cmdline`);
    if (cmdline === undefined || cmdline === '') continue; // gone, or a zombie
    const args = cmdline.split('\0').filter((a) => a !== '');
    const confFile = args.find((a) => a.startsWith('--conf-file='))?.slice('--conf-file='.length);
    const conf = confFile === undefined || confFile === '/dev/null' ? undefined : await readTextIfExists(confFile);
    servers.push({ pid: Number(pid), ...parseDnsmasqArgs(args, conf) });
    cmdlines.push(cmdline);
  }
  if (procRoot === '/proc') lastPass = { at: Date.now(), servers, cmdlines };
  return servers;
}

/** How long a pass over /proc is reused at most, even while its servers all still run. */
const REUSE_MS = 30_000;
let lastPass: { at: number; servers: DhcpServer[]; cmdlines: string[] } | undefined;

/**
 * The DHCP servers as the last pass (of this process, the last 30 s) found them, as long as each still
 * runs with the same command line (a restarted or replaced dnsmasq has another pid, or its pid another
 * command line); else a new pass. Each set-network used to make its own pass over /proc: O(processes)
 * per container. A pass that found none is not reused: nobody to check for liveness.
 */
export async function knownDhcpServers(): Promise<DhcpServer[]> {
  const pass = lastPass;
  const alive =
    pass !== undefined &&
    pass.servers.length > 0 &&
    Date.now() - pass.at < REUSE_MS &&
    pass.servers.every((server, i) => readProcFile(`/proc/${server.pid}/cmdline`) === pass.cmdlines[i]);
  return alive ? pass.servers : findDhcpServers();
}

/** A process that is gone (or not ours to read) has no file. */
function readProcFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Who hands out addresses on `bridge`: a dnsmasq that reads Locker's reservation folder for it, one that
 * does not, or nobody Locker knows of.
 */
export function dhcpOf(bridge: string, servers: readonly DhcpServer[], dir = ADDRESS_DIR): 'reservations' | 'unreserved' | 'none' {
  const serving = servers.filter((s) => s.bridges.includes(bridge));
  if (serving.length === 0) return 'none';
  const wanted = path.join(dir, bridge);
  return serving.every((s) => s.hostsDirs.includes(wanted)) ? 'reservations' : 'unreserved';
}

/** Leases still valid at `nowSeconds` in the lease files of these servers. */
export async function readLeases(nowSeconds: number, servers: readonly DhcpServer[]): Promise<DhcpLease[]> {
  const files = [...new Set(servers.map((s) => s.leaseFile))];
  const texts = await Promise.all(files.map((f) => readSettled(f)));
  return texts.flatMap((t) => (t === undefined ? [] : parseLeases(t))).filter((l) => l.expires === 0 || l.expires > nowSeconds);
}

/**
 * dnsmasq rewrites its lease file in place (truncate, then write): a read can catch it empty or cut
 * short. The text counts once two reads a moment apart agree.
 */
async function readSettled(file: string): Promise<string | undefined> {
  let text = await readTextIfExists(file);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 2));
    const again = await readTextIfExists(file);
    if (again === text) return text;
    text = again;
  }
  return text;
}

/** dnsmasq reads new reservation files by itself, but keeps removed ones until SIGHUP. */
function forgetRemovedReservations(bridge: string, servers: readonly DhcpServer[]): void {
  for (const s of servers.filter((x) => x.bridges.includes(bridge))) {
    try {
      process.kill(s.pid, 'SIGHUP');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
    }
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
 * After reservations went (claims released or taken over): each DHCP server of their bridges forgets the
 * removed ones, and every lease of those MACs there ends now instead of in an hour. A claim's own address
 * (`ip`) is given back even when the lease file does not show it: dnsmasq rewrites that file in place
 * (truncate, then write), so a read while another release is being written can find it empty. Releasing
 * an address the MAC does not hold is a no-op for dnsmasq.
 */
export async function giveBackAddresses(released: readonly { bridge: string; mac: string; ip?: string }[]): Promise<void> {
  if (released.length === 0) return;
  const servers = await knownDhcpServers();
  for (const bridge of new Set(released.map((r) => r.bridge))) {
    const serving = servers.filter((s) => s.bridges.includes(bridge));
    if (serving.length === 0) continue;
    forgetRemovedReservations(bridge, serving);
    const mine = released.filter((r) => r.bridge === bridge);
    const macs = new Set(mine.map((r) => r.mac));
    const leased = (await readLeases(Math.floor(Date.now() / 1000), serving)).filter((l) => macs.has(l.mac));
    const claimed = mine.flatMap((r) => (r.ip === undefined ? [] : [{ ip: r.ip, mac: r.mac }]));
    const unique = new Map([...claimed, ...leased].map((l) => [`${l.ip} ${l.mac}`, { ip: l.ip, mac: l.mac }]));
    for (const lease of unique.values()) await releaseLease(bridge, lease);
  }
}
