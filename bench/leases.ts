// 6. Leases: N busybox containers started 1,000 times on a bridge and a dnsmasq of the bench's own (lxc-net's
// options, pool of 253), before (busybox as lxc-create leaves it: a random MAC per start) and after (Locker:
// a MAC for life and a planned address, reserved in the bridge's dnsmasq). Same run, same dnsmasq options.

import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readClaims } from '../src/lxc/index.js';
import { onCleanup } from './cleanup.js';
import { createDhcpBridge, POOL_SIZE, type BenchDhcpBridge } from './dhcp-bridge.js';
import { ADDRESS_WAIT_MS, awaitAddresses, startRound, summarizeRounds, type RoundsSummary, type StartRecord } from './lease-rounds.js';
import { newLxcPath } from './lxc-host.js';
import { LOCKER_BIN, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { mustRun, timedRun } from './proc.js';
import { ms, num, table } from './table.js';

const N = 20;

interface Side {
  summary: RoundsSummary;
  startsMs: number;
  leasesAtEnd: number;
  /** After the side gave everything back (dhcp_release of every lease / `locker down`). */
  leasesAfterRelease: number;
  /** For after: starts whose address was the container's claim (its planned address). */
  asPlanned?: number;
}

const pad = (i: number) => String(i + 1).padStart(2, '0');

/** Polls the lease file until it is empty or 10 s pass; returns how many lines are left. */
async function leasesLeft(net: BenchDhcpBridge): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (net.leases().length > 0 && Date.now() < deadline) await sleep(100);
  return net.leases().length;
}

async function runRounds(lxcpath: string, names: string[], net: BenchDhcpBridge, from: number, rounds: number, tag: string, log: PartOptions['log']): Promise<StartRecord[]> {
  const records: StartRecord[] = [];
  for (let r = from; r < rounds; r++) {
    const got = await startRound(lxcpath, names, net, r);
    records.push(...got);
    if ((r + 1) % 5 === 0 || r === rounds - 1) {
      log(`[leases] ${tag}: round ${r + 1}/${rounds}, this round ${got.filter((g) => g.ip !== undefined).length}/${names.length} got an address, ${net.leases().length} leases held`);
    }
  }
  return records;
}

async function measureBefore(prefix: string, rounds: number, log: PartOptions['log']): Promise<Side> {
  const net = await createDhcpBridge(`${prefix}b`);
  const host = newLxcPath('leases-before');
  try {
    const names = Array.from({ length: N }, (_, i) => `${prefix}_old${pad(i)}`);
    for (const name of names) {
      await mustRun('lxc-create', ['-P', host.lxcpath, '-n', name, '-t', 'busybox']);
      const config = path.join(host.lxcpath, name, 'config');
      // Only the bridge changes; no hwaddr, as the busybox template leaves it.
      writeFileSync(config, readFileSync(config, 'utf8').replace(/^lxc\.net\.0\.link\s*=.*$/m, `lxc.net.0.link = ${net.name}`));
    }
    const t0 = Date.now();
    const records = await runRounds(host.lxcpath, names, net, 0, rounds, 'before', log);
    const startsMs = Date.now() - t0;
    const leasesAtEnd = net.leases().length;
    await Promise.all(names.map((n) => timedRun('lxc-stop', ['-P', host.lxcpath, '-n', n, '-k'])));
    for (const lease of net.leases()) await timedRun('dhcp_release', [net.name, lease.ip, lease.mac]);
    return { summary: summarizeRounds(records), startsMs, leasesAtEnd, leasesAfterRelease: await leasesLeft(net) };
  } finally {
    await host.destroy();
    await net.destroy();
  }
}

async function measureAfter(prefix: string, rounds: number, log: PartOptions['log']): Promise<Side> {
  const net = await createDhcpBridge(`${prefix}a`);
  const host = newLxcPath('leases-after');
  const work = mkdtempSync('/tmp/bench-leases-work-');
  const dropWork = onCleanup(`leases work ${work}`, () => rmSync(work, { recursive: true, force: true }));
  try {
    mkdirSync(path.join(work, prefix));
    const spec = path.join(work, prefix, 'locker.yml');
    const keys = Array.from({ length: N }, (_, i) => `c${pad(i)}`);
    writeFileSync(spec, `containers:\n${keys.map((k) => `  ${k}:\n    template: busybox\n    bridge: ${net.name}\n`).join('')}`);
    const env = { ...process.env, LOCKER_STATE_DIR: path.join(work, 'state') };
    const locker = (command: 'up' | 'down') =>
      mustRun(process.execPath, [LOCKER_BIN, command, '--yes', '-f', spec, '-P', host.lxcpath, '-p', prefix, '--parallelism', '10'], { env });
    const names = keys.map((k) => `${prefix}_${k}`);

    const t0 = Date.now();
    const since = Math.floor(t0 / 1000);
    await locker('up');
    // The first round is up's own starts.
    const records = await awaitAddresses(host.lxcpath, names, net, 0, since);
    records.push(...(await runRounds(host.lxcpath, names, net, 1, rounds, 'after', log)));
    const startsMs = Date.now() - t0;
    const leasesAtEnd = net.leases().length;
    const claimed = new Map((await readClaims()).filter((c) => c.lxcpath === host.lxcpath && c.bridge === net.name).map((c) => [c.container, c.ip]));
    const asPlanned = records.filter((r) => r.ip !== undefined && claimed.get(r.container) === r.ip).length;
    await locker('down');
    const leasesAfterRelease = await leasesLeft(net);
    const claimsLeft = readdirSync(net.hostsDir).length;
    if (claimsLeft > 0) log(`[leases] after: ${claimsLeft} reservation file(s) left in ${net.hostsDir} after down`);
    return { summary: summarizeRounds(records), startsMs, leasesAtEnd, leasesAfterRelease, asPlanned };
  } finally {
    await host.destroy();
    await net.destroy();
    await dropWork();
  }
}

export async function runLeases(o: PartOptions): Promise<PartResult> {
  const starts = o.quick ? 300 : 1000;
  const rounds = Math.ceil(starts / N);
  const prefix = `lkb${randomBytes(2).toString('hex')}`;
  o.log(`[leases] ${N} containers × ${rounds} rounds, prefix ${prefix}`);
  const before = await measureBefore(prefix, rounds, o.log);
  const after = await measureAfter(prefix, rounds, o.log);
  const b = before.summary;
  const a = after.summary;
  const firstFailure = (s: RoundsSummary) =>
    s.firstRoundWithout === undefined ? '—' : `${s.firstRoundWithout} (starts ${num((s.firstRoundWithout - 1) * N + 1)}–${num(s.firstRoundWithout * N)})`;
  const restarts = (s: RoundsSummary) => `${num(s.kept)} of ${num(s.compared)}`;
  const rows: string[][] = [
    ['starts (lxc-start; after: the first round is `locker up`)', num(b.starts), num(a.starts)],
    [`starts that got an address from DHCP (within ${ADDRESS_WAIT_MS / 1000} s)`, num(b.withAddress), num(a.withAddress)],
    ['starts without an address', num(b.starts - b.withAddress), num(a.starts - a.withAddress)],
    ['first round with a start that got no address', firstFailure(b), firstFailure(a)],
    ['restarts with the same address as the start before (of those where both got one)', restarts(b), restarts(a)],
    ['restarts with another address', num(b.compared - b.kept), num(a.compared - a.kept)],
    ['restarts without an address after one with', num(b.lost), num(a.lost)],
    ['addresses one container went through (max)', num(b.maxAddressesPerContainer), num(a.maxAddressesPerContainer)],
    ['starts with the planned address (its claim)', '—', num(after.asPlanned ?? 0)],
    [`leases held at the end (pool: ${POOL_SIZE})`, num(before.leasesAtEnd), num(after.leasesAtEnd)],
    ['leases left after giving back (before: dhcp_release each; after: `locker down`)', num(before.leasesAfterRelease), num(after.leasesAfterRelease)],
    ['wall time of all starts (incl. waiting for addresses)', ms(before.startsMs), ms(after.startsMs)],
  ];
  const stable = a.withAddress === a.starts && a.kept === a.compared && after.asPlanned === a.starts;
  const verdictLine =
    `**Verdict:** before, ${num(b.withAddress)} of ${num(b.starts)} starts got an address` +
    (b.firstRoundWithout === undefined ? '' : ` (the pool of ${POOL_SIZE} was full in round ${b.firstRoundWithout})`) +
    ` and ${num(b.compared - b.kept)} restarts changed address, ${num(before.leasesAtEnd)} leases held; ` +
    `after, ${num(a.withAddress)} of ${num(a.starts)} got ${stable ? 'their planned address, every restart the same one' : 'an address (NOT all stable: see the table)'}, ` +
    `${num(after.leasesAtEnd)} leases held for ${N} containers, ${num(after.leasesAfterRelease)} left after \`locker down\`.`;
  const targets: TargetVerdict[] = [
    { part: 'leases', what: `after: starts with the planned address, N=${N}`, value: `${num(after.asPlanned ?? 0)} / ${num(a.starts)}`, target: 'all', met: after.asPlanned === a.starts },
    { part: 'leases', what: `after: leases held after ${num(a.starts)} starts`, value: num(after.leasesAtEnd), target: `= N (${N})`, met: after.leasesAtEnd === N },
    { part: 'leases', what: 'after: leases left after `locker down`', value: num(after.leasesAfterRelease), target: '0', met: after.leasesAfterRelease === 0 },
    { part: 'leases', what: `before (old behaviour): starts with an address / leases held`, value: `${num(b.withAddress)} / ${num(before.leasesAtEnd)}`, target: 'reported', met: true },
  ];
  return {
    title: `6. DHCP leases over ${num(rounds * N)} starts`,
    markdown: [
      `${N} busybox containers killed (\`lxc-stop -k\`) and started (\`lxc-start\`) round-robin, ${num(rounds * N)} starts per side, each side on a ` +
        `fresh bridge of the bench's own served by a dnsmasq with lxc-net's options (pool ${POOL_SIZE}, one-hour leases) plus ` +
        `\`--dhcp-hostsdir\` = Locker's reservation folder for that bridge. **before**: \`lxc-create -t busybox\`, only ` +
        `\`lxc.net.0.link\` changed (no hwaddr: a random MAC per start). **after**: \`locker up\` of a spec with ` +
        `\`bridge:\` that bridge. A start counts as having an address when the container shows an IPv4 address that ` +
        `dnsmasq leased or renewed since that start (an address LXC configures by itself does not count); a start ` +
        `waits up to ${ADDRESS_WAIT_MS / 1000} s for it, the ${N} of a round at once.`,
      table(['', 'before (random MAC per start)', 'after (Locker: MAC for life, reserved address)'], rows),
      verdictLine,
    ].join('\n\n'),
    targets,
  };
}
