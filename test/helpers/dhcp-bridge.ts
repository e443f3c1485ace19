// A bridge of the test's own served by a dnsmasq the test starts the way lxc-net starts lxcbr0's (same
// options, plus Locker's reservation folder for the bridge): DHCP pools can be filled and leases counted
// without touching lxcbr0's. Creates only its own names and kills only the pid it started.
// bench/dhcp-bridge.ts is a small copy (bench/ compiles on its own and cannot import test/).

import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADDRESS_DIR, parseLeases, type DhcpLease } from '../../src/lxc/index.js';
import { createTestBridge, type TestBridge } from './test-bridge.js';
import { until } from './wait-until.js';

/** dnsmasq's lease time when --dhcp-range names none (as lxc-net's): a lease ends an hour after it is given or renewed. */
export const LEASE_SECONDS = 3600;

export interface DhcpBridge {
  name: string;
  /** The bridge's IPv4 address (X.1): the containers' gateway and dnsmasq's listen address. */
  ipv4: string;
  leaseFile: string;
  /** Locker's reservation folder for this bridge, which the dnsmasq reads. */
  hostsDir: string;
  /** Every line of the lease file (dnsmasq rewrites it after each change). */
  leases(): DhcpLease[];
  /** Kills the dnsmasq, then removes the bridge, the lease file and the reservation folder; safe to call twice. */
  destroy(): Promise<void>;
}

/** The user lxc-net runs its dnsmasq as: the first of these that exists. */
function dnsmasqUser(): string {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const user = ['lxc-dnsmasq', 'dnsmasq', 'nobody'].find((u) => passwd.split('\n').some((l) => l.startsWith(`${u}:`)));
  if (user === undefined) throw new Error('no user for dnsmasq (lxc-dnsmasq, dnsmasq or nobody): apt-get install -y dnsmasq-base');
  return user;
}

/** The pid in `pidFile` while it is our dnsmasq (its command line names our bridge); a reused pid is not ours. */
function ourPid(pidFile: string, bridge: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(`--interface=${bridge}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export async function createDhcpBridge(name: string): Promise<DhcpBridge> {
  const dir = mkdtempSync(path.join(tmpdir(), `locker-dhcp-${name}-`));
  const leaseFile = path.join(dir, 'leases');
  const pidFile = path.join(dir, 'dnsmasq.pid');
  const hostsDir = path.join(ADDRESS_DIR, name);
  let bridge: TestBridge | undefined;
  const destroy = async () => {
    const pid = ourPid(pidFile, name);
    if (pid !== undefined) {
      process.kill(pid, 'SIGTERM');
      await until(`dnsmasq ${pid} of ${name} to exit`, async () => (ourPid(pidFile, name) === undefined ? true : undefined), 10_000, 50);
    }
    await bridge?.destroy();
    rmSync(hostsDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    bridge = await createTestBridge(name);
    // dnsmasq drops root: the folder it watches must stay readable by its user.
    mkdirSync(hostsDir, { recursive: true, mode: 0o755 });
    const net = bridge.ipv4.slice(0, bridge.ipv4.lastIndexOf('.'));
    // lxc-net's command line (/usr/libexec/lxc/lxc-net) with this bridge, its own files and reservation folder.
    const args = [
      '--conf-file=/dev/null',
      '--no-ping',
      '-u',
      dnsmasqUser(),
      '--strict-order',
      '--bind-interfaces',
      `--pid-file=${pidFile}`,
      '--listen-address',
      bridge.ipv4,
      '--dhcp-range',
      `${net}.2,${net}.254`,
      '--dhcp-lease-max=253',
      '--dhcp-no-override',
      '--except-interface=lo',
      `--interface=${name}`,
      `--dhcp-leasefile=${leaseFile}`,
      '--dhcp-authoritative',
      `--dhcp-hostsdir=${hostsDir}`,
    ];
    // dnsmasq forks into the background once it listens; a bad option or a taken port is its exit code.
    const r = await execa('dnsmasq', args, { reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0) throw new Error(`dnsmasq ${args.join(' ')} failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
  } catch (e) {
    await destroy();
    throw e;
  }
  const leases = () => (existsSync(leaseFile) ? parseLeases(readFileSync(leaseFile, 'utf8')) : []);
  return { name, ipv4: bridge.ipv4, leaseFile, hostsDir, leases, destroy };
}
