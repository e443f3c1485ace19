// Waiting for a started container to get an IPv4 address (DHCP on the bridge takes a few seconds).
// Gives up with a retryable error: a slow DHCP server is worth another try.

import { setTimeout as sleep } from 'node:timers/promises';
import { LockerError } from '../errors.js';
import { isIpv4 } from '../rules/ipv4.js';
import { firstNetworkLink, LXC_NET_BRIDGE, lxcNetDhcpRunning, type LxcNetPaths } from './bridge-dhcp.js';
import { runLxc } from './run-lxc.js';

export interface WaitIpv4Options {
  timeoutMs?: number;
  intervalMs?: number;
  /** Where to look for lxc-net's DHCP server (tests only). */
  lxcNet?: LxcNetPaths;
}

export async function waitIpv4(lxcpath: string, name: string, opts: WaitIpv4Options = {}): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; ; round++) {
    const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-iH'], { retryable: true });
    const addresses = parseIpLines(stdout).filter(isIpv4);
    if (addresses.length > 0) return addresses;
    if (round === 0) await refuseWithoutDhcp(lxcpath, name, opts.lxcNet);
    if (Date.now() >= deadline) {
      throw new LockerError('HOST_PRECONDITION', `${name} has no IPv4 address after ${Math.round(timeoutMs / 1000)} s`, {
        hint: 'is the container running, and does its bridge (lxcbr0) have a live DHCP server? `bin/setup-host --check` in Locker\'s folder tells, `bin/setup-host` repairs',
        retryable: true,
      });
    }
    await sleep(intervalMs);
  }
}

/**
 * No address yet: if the container is on lxcbr0 and lxc-net's dnsmasq is gone, none will ever come.
 * The DHCP server is looked at first: two file reads, where the bridge costs an lxc-info, so a healthy host
 * (every container's first poll, right after its start) starts no extra program.
 */
async function refuseWithoutDhcp(lxcpath: string, name: string, lxcNet: LxcNetPaths | undefined): Promise<void> {
  if (await lxcNetDhcpRunning(LXC_NET_BRIDGE, lxcNet)) return;
  if ((await firstNetworkLink(lxcpath, name)) !== LXC_NET_BRIDGE) return;
  throw new LockerError(
    'HOST_PRECONDITION',
    `${name} is on bridge ${LXC_NET_BRIDGE}, whose DHCP server (lxc-net's dnsmasq) is not running: it would never get an address`,
    {
      hint: '`bin/setup-host` in Locker\'s folder restarts it (`bin/setup-host --check` only looks); then `locker retry --yes`',
      retryable: false,
    },
  );
}

/**
 * Waiting for a container to have its planned addresses. LXC configures them before init, so this is
 * normally the first look; a DHCP client inside may drop them for a moment (busybox's udhcpc flushes the
 * interface before it asks), and one that took another address is an error naming it.
 */
export async function waitForAddresses(lxcpath: string, name: string, wanted: readonly string[], opts: WaitIpv4Options = {}): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-iH'], { retryable: true });
    const have = parseIpLines(stdout);
    const missing = wanted.filter((w) => !have.includes(w));
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new LockerError('HOST_PRECONDITION', `${name} does not have its address ${missing.join(', ')} after ${Math.round(timeoutMs / 1000)} s${have.length > 0 ? ` (it has ${have.join(', ')})` : ''}`, {
        hint: 'a DHCP client inside the container may have replaced it: on a bridge without Locker\'s reservations, configure the container without DHCP',
        retryable: true,
      });
    }
    await sleep(opts.intervalMs ?? 100);
  }
}

function parseIpLines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}
