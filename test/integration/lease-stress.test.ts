// The stress that found "every container keeps its address": 20 busybox containers brought up and down
// and restarted (lxc-stop -k / lxc-start) for an hour's worth of starts (20 + 12 × 20 + 2 × 20 = 300, more
// than the pool's 253 one-hour leases), on a bridge and a dnsmasq of the test's own started like lxc-net's.
// A random MAC per start used to take a new lease each time until the pool ran dry; now each container has
// exactly its planned address and one lease, and `down` gives every lease and reservation back at once.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkParams, Plan } from '../../plans/types.js';
import { readClaims } from '../../src/lxc/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createDhcpBridge, LEASE_SECONDS, type DhcpBridge } from '../helpers/dhcp-bridge.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const COUNT = 20;
const ROUNDS = 12;
const CYCLES = 2;
const KEYS = Array.from({ length: COUNT }, (_, i) => `c${String(i + 1).padStart(2, '0')}`);

let env: LxcEnv;
let net: DhcpBridge;
let work: string;
let project: string;
let planned: Record<string, NetworkParams> = {};

const lxcName = (key: string) => `${project}_${key}`;
const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `locker plan --json` prints `{ plan, ... }`; the set-network params of each container, by spec name. */
async function plannedAddresses(): Promise<Record<string, NetworkParams>> {
  const r = await locker('plan', '--json');
  expect(r.exitCode, show(r)).toBe(2);
  const out: Record<string, NetworkParams> = {};
  for (const a of (JSON.parse(r.stdout) as { plan: Plan }).plan.actions) if (a.params.kind === 'set-network') out[a.container] = a.params;
  return out;
}

async function ensureUp(): Promise<void> {
  const r = await locker('up', '--yes', '--parallelism', '20');
  expect(r.exitCode, show(r)).toBe(0);
}

/** The IPv4 addresses of every container of the test's lxcpath, by LXC name: one lxc-ls. */
async function ipv4ByName(): Promise<Map<string, string[]>> {
  const r = await env.lxc('lxc-ls', ['-f', '-F', 'NAME,IPV4']);
  const out = new Map<string, string[]>();
  for (const line of r.stdout.split('\n').slice(1)) {
    const [name, ...rest] = line.trim().split(/\s+/);
    if (name) out.set(name, rest.join(' ').split(',').map((a) => a.trim()).filter((a) => /^\d+(\.\d+){3}$/.test(a)));
  }
  return out;
}

/**
 * Waits until every container has exactly its planned IPv4 address and a lease of it for its MAC, given or
 * renewed at or after `since` (Unix seconds) when set: the DHCP client inside asked and got that address,
 * not only the one LXC configured before init.
 */
async function settled(since?: number): Promise<void> {
  await until(`all ${COUNT} containers to hold their planned address from DHCP`, async () => {
    const have = await ipv4ByName();
    const leases = net.leases();
    const pending = KEYS.filter((k) => {
      const want = planned[k]!;
      const fresh = leases.some((l) => l.mac === want.mac && l.ip === want.ipv4 && (since === undefined || l.expires >= since + LEASE_SECONDS));
      return !fresh || have.get(lxcName(k))?.join() !== want.ipv4;
    });
    return pending.length === 0 ? true : undefined;
  }, 30_000, 100);
}

/** Every lease is a container's planned address for its MAC, and there are no more than `alive`. */
function expectLeasesOf(alive: number): void {
  const leases = net.leases();
  expect(leases.length, JSON.stringify(leases)).toBeLessThanOrEqual(alive);
  for (const l of leases) {
    const owner = KEYS.find((k) => planned[k]!.mac === l.mac);
    expect(owner, `a lease of ${l.mac} (${l.ip}), a MAC no container was planned with`).toBeDefined();
    expect(l.ip, `lease of ${owner}`).toBe(planned[owner!]!.ipv4);
  }
}

beforeAll(async () => {
  await requireTools([
    { bin: 'dnsmasq', pkg: 'dnsmasq-base' },
    { bin: 'dhcp_release', pkg: 'dnsmasq-utils' },
  ]);
  env = await createLxcEnv();
  project = env.prefix;
  net = await createDhcpBridge(`${env.prefix}ls`);
  work = mkdtempSync(path.join(tmpdir(), 'locker-lease-stress-'));
  // One template container and snapshot clones of it: up takes a third of the time of 20 lxc-create -t busybox.
  const entry = (k: string) => `  ${k}:\n${k === KEYS[0] ? '    template: busybox\n' : `    clone: ${KEYS[0]}\n    snapshot: true\n`}    bridge: ${net.name}\n`;
  writeFileSync(path.join(work, 'locker.yml'), `containers:\n${KEYS.map(entry).join('')}`);
  planned = await plannedAddresses();
});

afterAll(async () => {
  await cleanUp([
    // Containers first, while the dnsmasq still runs to take their leases back.
    async () => env?.destroyAll(),
    async () => net?.destroy(),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

describe('leases under stress: 20 containers, 300 starts, a pool of 253', () => {
  it('plans one address and one MAC per container on the test bridge, reserved with its dnsmasq', () => {
    expect(Object.keys(planned).sort()).toEqual(KEYS);
    const all = Object.values(planned);
    expect(new Set(all.map((n) => n.ipv4)).size).toBe(COUNT);
    expect(new Set(all.map((n) => n.mac)).size).toBe(COUNT);
    const subnet = net.ipv4.slice(0, net.ipv4.lastIndexOf('.') + 1);
    for (const n of all) {
      expect(n).toMatchObject({ bridge: net.name, prefix: 24, gateway: net.ipv4, reserve: true });
      expect(n.ipv4.startsWith(subnet)).toBe(true);
    }
  });

  it('up gives each container exactly its planned address from DHCP, one lease each', async () => {
    await ensureUp();
    await settled();
    expectLeasesOf(COUNT);
    expect(net.leases()).toHaveLength(COUNT);
    const again = await locker('plan');
    expect(again.exitCode, show(again)).toBe(0);
  });

  it(`${ROUNDS} rounds of lxc-stop -k / lxc-start of all ${COUNT} (${ROUNDS * COUNT} starts) keep every address and one lease per container`, async () => {
    await ensureUp();
    for (let round = 0; round < ROUNDS; round++) {
      const kills = await Promise.all(KEYS.map((k) => env.lxc('lxc-stop', ['-n', lxcName(k), '-k'])));
      for (const [i, r] of kills.entries()) expect(r.exitCode, `round ${round}: lxc-stop -k ${KEYS[i]}: ${r.stderr}`).toBe(0);
      const since = nowSeconds();
      const starts = await Promise.all(KEYS.map((k) => env.lxc('lxc-start', ['-n', lxcName(k)])));
      for (const [i, r] of starts.entries()) expect(r.exitCode, `round ${round}: lxc-start ${KEYS[i]}: ${r.stderr}`).toBe(0);
      await settled(since);
      expectLeasesOf(COUNT);
    }
    expect(net.leases()).toHaveLength(COUNT);
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });

  it(`${CYCLES} cycles of down and up: down gives every lease and reservation back at once, up brings the same addresses back`, async () => {
    await ensureUp();
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const down = await locker('down', '--yes', '--parallelism', '20');
      expect(down.exitCode, show(down)).toBe(0);
      expect((await env.lxc('lxc-ls', ['-1'])).stdout.trim()).toBe('');
      // dhcp_release has been sent; dnsmasq drops the lease and rewrites its file when it reads it.
      await until('every lease given back', async () => (net.leases().length === 0 ? true : undefined), 10_000, 50).catch(() => undefined);
      expect(net.leases(), `cycle ${cycle}: leases left after down`).toEqual([]);
      expect(readdirSync(net.hostsDir)).toEqual([]);
      expect((await readClaims()).filter((c) => c.lxcpath === env.lxcpath)).toEqual([]);
      // Nothing is held any more, and the plan is deterministic: the same addresses and MACs again.
      expect(await plannedAddresses()).toEqual(planned);

      const since = nowSeconds();
      await ensureUp();
      await settled(since);
      expectLeasesOf(COUNT);
    }
    expect(net.leases()).toHaveLength(COUNT);
  });
});
