// A bridge of the benchmark's own with a dnsmasq started the way lxc-net starts lxcbr0's (same options,
// plus Locker's reservation folder), so a benchmark can fill a DHCP pool without touching lxcbr0's.
// It creates only its own names (bridge, /tmp folder, reservation folder) and kills only the pid it started.
// Small copy of test/helpers/dhcp-bridge.ts: bench/ compiles on its own and cannot import test/.

import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ADDRESS_DIR, parseLeases, type DhcpLease } from '../src/lxc/index.js';
import { onCleanup } from './cleanup.js';
import { mustRun, timedRun } from './proc.js';

/** dnsmasq's lease time when --dhcp-range names none (as lxc-net's): leases end an hour after they are given. */
export const LEASE_SECONDS = 3600;
/** --dhcp-range X.2,X.254 and --dhcp-lease-max=253, as lxc-net's. */
export const POOL_SIZE = 253;

export interface BenchDhcpBridge {
  name: string;
  /** The bridge's own address (X.1): gateway and dnsmasq's listen address. */
  address: string;
  leaseFile: string;
  /** Locker's reservation folder for this bridge, which the dnsmasq reads (`--dhcp-hostsdir`). */
  hostsDir: string;
  /** Every line of the lease file, expired or not. */
  leases(): DhcpLease[];
  /** Kills the dnsmasq, deletes the bridge, its lease file and its reservation folder. */
  destroy(): Promise<void>;
}

function dnsmasqUser(): string {
  for (const user of ['lxc-dnsmasq', 'dnsmasq', 'nobody']) {
    if (readFileSync('/etc/passwd', 'utf8').split('\n').some((l) => l.startsWith(`${user}:`))) return user;
  }
  throw new Error('no user for dnsmasq (lxc-dnsmasq, dnsmasq or nobody): apt-get install -y dnsmasq-base');
}

async function freeSubnet(): Promise<number> {
  const used = (await mustRun('ip', ['-4', '-o', 'addr', 'show'])).stdout;
  for (let tries = 0; tries < 64; tries++) {
    const x = randomInt(0, 256);
    if (!used.includes(` 10.215.${x}.`)) return x;
  }
  throw new Error('no free 10.215.X.0/24 for a bench bridge');
}

/** The pid in `pidFile` if it is still our dnsmasq (its command line names our bridge), else undefined. */
function ourDnsmasq(pidFile: string, bridge: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(`--interface=${bridge}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function createDhcpBridge(name: string): Promise<BenchDhcpBridge> {
  if (!/^[a-z0-9]{1,15}$/.test(name)) throw new Error(`bridge name must be 1..15 of [a-z0-9]: ${name}`);
  const x = await freeSubnet();
  const address = `10.215.${x}.1`;
  const dir = mkdtempSync(`/tmp/bench-dhcp-${name}-`);
  const leaseFile = path.join(dir, 'leases');
  const pidFile = path.join(dir, 'dnsmasq.pid');
  const hostsDir = path.join(ADDRESS_DIR, name);
  let created = false;
  const destroy = onCleanup(`bridge ${name} and its dnsmasq`, async () => {
    const pid = ourDnsmasq(pidFile, name);
    if (pid !== undefined) {
      process.kill(pid, 'SIGTERM');
      for (let i = 0; i < 100 && ourDnsmasq(pidFile, name) !== undefined; i++) await new Promise((r) => setTimeout(r, 50));
    }
    if (created && (await timedRun('ip', ['link', 'show', 'dev', name])).code === 0) await mustRun('ip', ['link', 'del', name]);
    rmSync(hostsDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });
  await mustRun('ip', ['link', 'add', name, 'type', 'bridge']);
  created = true;
  await mustRun('ip', ['addr', 'add', `${address}/24`, 'dev', name]);
  await mustRun('ip', ['link', 'set', name, 'up']);
  // dnsmasq drops root: the folder it watches must be readable by its user.
  mkdirSync(hostsDir, { recursive: true, mode: 0o755 });
  // lxc-net's command line (/usr/libexec/lxc/lxc-net) with our own bridge, files and reservation folder.
  const started = mustRun('dnsmasq', [
    '--conf-file=/dev/null',
    '--no-ping',
    '-u',
    dnsmasqUser(),
    '--strict-order',
    '--bind-interfaces',
    `--pid-file=${pidFile}`,
    '--listen-address',
    address,
    '--dhcp-range',
    `10.215.${x}.2,10.215.${x}.254`,
    `--dhcp-lease-max=${POOL_SIZE}`,
    '--dhcp-no-override',
    '--except-interface=lo',
    `--interface=${name}`,
    `--dhcp-leasefile=${leaseFile}`,
    '--dhcp-authoritative',
    `--dhcp-hostsdir=${hostsDir}`,
  ]);
  await started.catch((e: NodeJS.ErrnoException) => {
    throw e.code === 'ENOENT' ? new Error('dnsmasq is not installed: apt-get install -y dnsmasq-base') : e;
  });
  const leases = () => (existsSync(leaseFile) ? parseLeases(readFileSync(leaseFile, 'utf8')) : []);
  return { name, address, leaseFile, hostsDir, leases, destroy };
}
