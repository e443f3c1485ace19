// A container Locker configured before it managed addresses: running with a random MAC and a dynamic DHCP
// lease. The next plan gives it a fixed address, keeping the one it has; one up leaves it with that
// address, its MAC fixed, and one lease.

import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_FILE, parseLeases, readClaims, releaseClaims, giveBackAddresses } from '../../src/lxc/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { planOf, plannedNetworks } from '../helpers/planned-network.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

let env: LxcEnv;
let work: string;
let project: string;
const lxcName = () => `${project}_app`;
const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const configFile = () => path.join(env.lxcpath, lxcName(), 'config');

async function liveIpv4(): Promise<string[]> {
  const r = await execa('lxc-info', ['-P', env.lxcpath, '-n', lxcName(), '-iH'], { reject: false, stdin: 'ignore' });
  return String(r.stdout).split('\n').map((l) => l.trim()).filter((l) => l.includes('.'));
}

/** Undoes what Locker's set-network did, as an older Locker would have left the container: no MAC, no address, no claim. */
async function forgetNetwork(): Promise<void> {
  // Only inside Locker's block: the template's own interface lines above it stay.
  let inBlock = false;
  const kept = readFileSync(configFile(), 'utf8')
    .split('\n')
    .filter((l) => {
      if (l.startsWith('# locker:begin')) inBlock = true;
      if (l.startsWith('# locker:end')) inBlock = false;
      return !(inBlock && /^lxc\.net\.0\.|^lxc\.hook\.start-host/.test(l.trim()));
    })
    .join('\n');
  writeFileSync(configFile(), kept);
  const claims = (await readClaims()).filter((c) => c.lxcpath === env.lxcpath);
  for (const c of claims) await releaseClaims(c);
  await giveBackAddresses(claims);
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  work = mkdtempSync(path.join(tmpdir(), 'locker-upgrade-'));
  writeFileSync(path.join(work, 'locker.yml'), 'containers:\n  app:\n    template: busybox\n');
});

afterAll(async () => {
  await cleanUp([async () => env?.destroyAll(), async () => work && rmSync(work, { recursive: true, force: true })]);
});

describe('a container from before Locker managed addresses', () => {
  it('gets a fixed address in the next up, keeping the one DHCP gave it, with one lease', async () => {
    expect((await locker('up', '--yes')).exitCode).toBe(0);
    await env.lxc('lxc-stop', ['-n', lxcName(), '-k']);
    await forgetNetwork();
    expect((await env.lxc('lxc-start', ['-n', lxcName()])).exitCode).toBe(0);
    const [dynamic] = await until('a dynamic DHCP address', async () => {
      const v4 = await liveIpv4();
      return v4.length === 1 ? v4 : undefined;
    }, 30_000);

    const plan = await locker('plan', '--json');
    expect(plan.exitCode, show(plan)).toBe(2);
    const p = planOf(plan.stdout);
    expect(p.actions.map((a) => `${a.kind} ${a.symbol}`)).toEqual(['stop ||', 'set-network ~', 'start >']);
    const network = plannedNetworks(p).app!;
    expect(network.ipv4).toBe(dynamic);

    const up = await locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    await until('the kept address', async () => ((await liveIpv4()).join() === dynamic ? true : undefined), 20_000);
    const leases = parseLeases(readFileSync(LEASE_FILE, 'utf8')).filter((l) => l.ip === dynamic);
    expect(leases.map((l) => l.mac)).toEqual([network.mac]);
    expect((await locker('plan')).exitCode).toBe(0);
  });
});
