// The measuring loop of the leases part: containers killed and started round after round, and what DHCP
// gave each start. A start got an address when the container shows an IPv4 address that the bridge's
// dnsmasq leased (or renewed) since that start: an address LXC configured by itself does not count.

import { setTimeout as sleep } from 'node:timers/promises';
import { LEASE_SECONDS, type BenchDhcpBridge } from './dhcp-bridge.js';
import { addresses } from './lxc-host.js';
import { mustRun, timedRun } from './proc.js';

/** How long one start may take to get its address before it counts as a start without one. */
export const ADDRESS_WAIT_MS = 10_000;

export interface StartRecord {
  container: string;
  round: number;
  /** The address DHCP gave this start; undefined when none came within ADDRESS_WAIT_MS. */
  ip?: string;
}

/** Kills every container that runs (lxc-stop -k), starts them all, and waits (bounded) for their addresses. */
export async function startRound(lxcpath: string, names: readonly string[], net: BenchDhcpBridge, round: number): Promise<StartRecord[]> {
  // A stopped container (the first round of freshly created ones) makes lxc-stop exit 2: nothing to kill.
  await Promise.all(names.map((n) => timedRun('lxc-stop', ['-P', lxcpath, '-n', n, '-k'])));
  const since = Math.floor(Date.now() / 1000);
  await Promise.all(names.map((n) => mustRun('lxc-start', ['-P', lxcpath, '-n', n])));
  return awaitAddresses(lxcpath, names, net, round, since);
}

/** Polls lxc-ls and the lease file until every container has an address leased at or after `since` (Unix s). */
export async function awaitAddresses(
  lxcpath: string,
  names: readonly string[],
  net: BenchDhcpBridge,
  round: number,
  since: number,
): Promise<StartRecord[]> {
  const got = new Map<string, string>();
  const deadline = Date.now() + ADDRESS_WAIT_MS;
  for (;;) {
    const seen = await addresses(lxcpath);
    // dnsmasq sets a lease's expiry to the time it gives or renews it plus the lease time.
    const fresh = new Set(net.leases().filter((l) => l.expires >= since + LEASE_SECONDS).map((l) => l.ip));
    for (const name of names) {
      const ip = seen.get(name)?.find((a) => fresh.has(a));
      if (ip !== undefined && !got.has(name)) got.set(name, ip);
    }
    if (got.size === names.length || Date.now() > deadline) break;
    await sleep(100);
  }
  return names.map((container) => {
    const ip = got.get(container);
    return ip === undefined ? { container, round } : { container, round, ip };
  });
}

export interface RoundsSummary {
  starts: number;
  withAddress: number;
  /** 1-based number of the first round in which a start got no address (a round's starts run at once). */
  firstRoundWithout?: number;
  /** Restarts (a container's 2nd start and later) where both it and the start before got an address. */
  compared: number;
  /** ... and the address was the same. */
  kept: number;
  /** Restarts without an address after a start with one. */
  lost: number;
  /** The most addresses one container had over all its starts. */
  maxAddressesPerContainer: number;
}

/** `records` in start order. */
export function summarizeRounds(records: readonly StartRecord[]): RoundsSummary {
  const previous = new Map<string, string | undefined>();
  const seenBy = new Map<string, Set<string>>();
  let compared = 0;
  let kept = 0;
  let lost = 0;
  let firstRoundWithout: number | undefined;
  for (const r of records) {
    if (r.ip === undefined && firstRoundWithout === undefined) firstRoundWithout = r.round + 1;
    if (previous.has(r.container)) {
      const before = previous.get(r.container);
      if (before !== undefined && r.ip !== undefined) {
        compared++;
        if (before === r.ip) kept++;
      } else if (before !== undefined) lost++;
    }
    previous.set(r.container, r.ip);
    const mine = seenBy.get(r.container) ?? new Set<string>();
    if (r.ip !== undefined) mine.add(r.ip);
    seenBy.set(r.container, mine);
  }
  const summary: RoundsSummary = {
    starts: records.length,
    withAddress: records.filter((r) => r.ip !== undefined).length,
    compared,
    kept,
    lost,
    maxAddressesPerContainer: Math.max(0, ...[...seenBy.values()].map((s) => s.size)),
  };
  if (firstRoundWithout !== undefined) summary.firstRoundWithout = firstRoundWithout;
  return summary;
}
