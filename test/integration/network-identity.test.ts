// Every container keeps its address and its name, on real LXC and lxc-net's dnsmasq: fixed and assigned
// addresses as planned, the same address and one DHCP lease across many restarts, links resolved inside,
// drift planned as exactly that, a simulated host reboot bringing an autostart container back with its
// forward, leases given back by `down`, and clashes refused at their spec line.

import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkParams } from '../../plans/types.js';
import { ADDRESS_DIR, LEASE_FILE, parseLeases, readClaims } from '../../src/lxc/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { createRemoteClient, type RemoteClient } from '../helpers/netns.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { planOf, plannedNetworks } from '../helpers/planned-network.js';
import { until } from '../helpers/wait-until.js';

let env: LxcEnv;
let client: RemoteClient;
let work: string;
let project: string;
let fixed: string;
const port = 20000 + Math.floor(Math.random() * 20000);
const RESTARTS = 25;

const data = () => path.join(work, 'data');
const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const attach = (name: string, ...cmd: string[]) =>
  execa('lxc-attach', ['-P', env.lxcpath, '-n', `${project}_${name}`, '--', ...cmd], { reject: false, stdin: 'ignore', timeout: 20_000 });

function spec(): string {
  const volumes = `    volumes:\n      - ${data()}/www:/www:ro\n      - ${data()}/inittab:/etc/inittab:ro\n`;
  return `containers:
  db:
    template: busybox
    ipv4: ${fixed}
${volumes}  web:
    template: busybox
    depends_on: [db]
    links: ["db:database"]
    autostart: true
    ports: ["${port}:80"]
${volumes}  cache:
    template: busybox
    links: [db, web]
${volumes}`;
}

/** A lxcbr0 address nobody holds now: no lease, no claim (the test's fixed address). */
function freeAddress(): string {
  const leases = new Set(parseLeases(readFileSync(LEASE_FILE, 'utf8')).map((l) => l.ip));
  let claimed: string[] = [];
  try {
    claimed = readdirSync(path.join(ADDRESS_DIR, 'lxcbr0'));
  } catch {
    claimed = [];
  }
  for (let tries = 0; tries < 200; tries++) {
    const ip = `10.0.3.${200 + Math.floor(Math.random() * 54)}`;
    if (!leases.has(ip) && !claimed.includes(ip)) return ip;
  }
  throw new Error('no free address in 10.0.3.200-253 for the test');
}

let planned: Record<string, NetworkParams> = {};

async function lxcInfo(name: string, flag: '-iH' | '-sH'): Promise<string[]> {
  const r = await execa('lxc-info', ['-P', env.lxcpath, '-n', `${project}_${name}`, flag], { reject: false, stdin: 'ignore' });
  return String(r.stdout).split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** The IPv4 addresses the container has, once it has exactly its planned one (a DHCP client may flush it for a moment). */
async function settledAddress(name: string): Promise<string[]> {
  const want = planned[name]!.ipv4;
  return until(`${name} to have ${want}`, async () => {
    const v4 = (await lxcInfo(name, '-iH')).filter((a) => a.includes('.'));
    return v4.length === 1 && v4[0] === want ? v4 : undefined;
  }, 20_000, 50);
}

function leasesOf(mac: string) {
  return parseLeases(readFileSync(LEASE_FILE, 'utf8')).filter((l) => l.mac === mac);
}

async function fetchRemote(): Promise<string | undefined> {
  const r = await client.exec(['busybox', 'wget', '-qO-', `http://${client.hostAddress}:${port}/`], { timeoutMs: 3000 });
  return r.exitCode === 0 ? r.stdout : undefined;
}

async function ensureUp(): Promise<void> {
  const r = await locker('up', '--yes');
  expect(r.exitCode, show(r)).toBe(0);
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  client = await createRemoteClient(env.prefix.slice(0, 8));
  work = mkdtempSync(path.join(tmpdir(), 'locker-netid-'));
  mkdirSync(path.join(data(), 'www'), { recursive: true });
  writeFileSync(path.join(data(), 'www', 'index.html'), 'kept its address\n');
  writeFileSync(path.join(data(), 'inittab'), '::sysinit:/etc/init.d/rcS\n::respawn:/bin/httpd -f -p 80 -h /www\n');
  fixed = freeAddress();
  writeFileSync(path.join(work, 'locker.yml'), spec());
  const r = await locker('plan', '--json');
  expect(r.exitCode, show(r)).toBe(2);
  planned = plannedNetworks(planOf(r.stdout));
});

afterAll(async () => {
  await cleanUp([
    async () => env?.destroyAll(),
    async () => project && removeRulesTagged(ruleTag(project)),
    async () => client?.destroy(),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

describe('every container keeps its address and its name', () => {
  it('the plan shows every address before anything runs: the fixed one, and free ones assigned on lxcbr0', () => {
    expect(Object.keys(planned).sort()).toEqual(['cache', 'db', 'web']);
    expect(planned.db!.ipv4).toBe(fixed);
    const all = Object.values(planned);
    expect(new Set(all.map((n) => n.ipv4)).size).toBe(3);
    expect(new Set(all.map((n) => n.mac)).size).toBe(3);
    for (const n of all) {
      expect(n).toMatchObject({ bridge: 'lxcbr0', prefix: 24, gateway: '10.0.3.1', reserve: true });
      expect(n.ipv4).toMatch(/^10\.0\.3\.\d+$/);
      expect(n.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    }
  });

  it('up gives each container exactly its planned address and MAC, and the next plan is empty', async () => {
    await ensureUp();
    for (const name of ['db', 'web', 'cache']) {
      expect(await settledAddress(name)).toEqual([planned[name]!.ipv4]);
      const mac = await execa('lxc-info', ['-P', env.lxcpath, '-n', `${project}_${name}`, '-c', 'lxc.net.0.hwaddr'], { stdin: 'ignore' });
      expect(String(mac.stdout)).toContain(planned[name]!.mac);
    }
    const again = await locker('plan');
    expect(again.exitCode, show(again)).toBe(0);
  });

  it(`keeps every address through ${RESTARTS} restarts by lxc-stop -k / lxc-start, with one lease per container`, async () => {
    await ensureUp();
    for (let round = 0; round < RESTARTS; round++) {
      for (const name of ['db', 'web', 'cache']) {
        const lxcName = `${project}_${name}`;
        await env.lxc('lxc-stop', ['-n', lxcName, '-k']);
        const start = await env.lxc('lxc-start', ['-n', lxcName]);
        expect(start.exitCode, start.stderr).toBe(0);
      }
      for (const name of ['db', 'web', 'cache']) expect(await settledAddress(name)).toEqual([planned[name]!.ipv4]);
    }
    for (const name of ['db', 'web', 'cache']) {
      const leases = leasesOf(planned[name]!.mac);
      expect(leases.length, `${name}: ${JSON.stringify(leases)}`).toBeLessThanOrEqual(1);
      for (const l of leases) expect(l.ip).toBe(planned[name]!.ipv4);
      // Nobody else holds its address either.
      expect(parseLeases(readFileSync(LEASE_FILE, 'utf8')).filter((l) => l.ip === planned[name]!.ipv4 && l.mac !== planned[name]!.mac)).toEqual([]);
    }
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });

  it('a link resolves by name inside: web pings db as "database" and "db", cache reaches both', async () => {
    await ensureUp();
    for (const [from, name, ip] of [['web', 'database', fixed], ['web', 'db', fixed], ['cache', 'web', planned.web!.ipv4]] as const) {
      const r = await attach(from, 'ping', '-c', '1', '-W', '2', name);
      expect(r.exitCode, `${from} -> ${name}: ${r.stdout} ${r.stderr}`).toBe(0);
      expect(String(r.stdout)).toContain(`(${ip})`);
    }
  });

  it('drift is planned as exactly that: a changed address, a missing /etc/hosts link, a missing forward; one up fixes all', async () => {
    await ensureUp();
    await until('web serving through its forward', fetchRemote, 30_000);
    const odd = freeAddress();
    const changed = await attach('web', 'sh', '-c', `ip addr flush dev eth0 && ip addr add ${odd}/24 dev eth0`);
    expect(changed.exitCode, String(changed.stderr)).toBe(0);
    const dropped = await attach('cache', 'sh', '-c', "sed -i '/^10\\./d' /etc/hosts");
    expect(dropped.exitCode, String(dropped.stderr)).toBe(0);
    await removeRulesTagged(ruleTag(project));

    const plan = await locker('plan', '--json');
    expect(plan.exitCode, show(plan)).toBe(2);
    const actions = planOf(plan.stdout).actions.map((a) => `${a.container} ${a.kind} ${a.detail}`);
    expect(actions).toContainEqual(`web stop restart to apply address (has ${odd}, not its address ${planned.web!.ipv4})`);
    expect(actions.filter((a) => a.startsWith('cache write-links'))).toHaveLength(1);
    expect(actions.find((a) => a.startsWith('cache write-links'))).toMatch(/\/etc\/hosts links differ: \+10\./);
    expect(actions.find((a) => a.startsWith('web forward-ports'))).toMatch(`port ${port}:80/tcp is not forwarded`);
    expect(actions.filter((a) => a.startsWith('db '))).toEqual([]);

    await ensureUp();
    expect(await settledAddress('web')).toEqual([planned.web!.ipv4]);
    expect((await locker('plan')).exitCode).toBe(0);
    expect(String((await attach('cache', 'cat', '/etc/hosts')).stdout)).toMatch(new RegExp(`^${fixed.replaceAll('.', '\\.')} db$`, 'm'));
    expect(await until('web serving again', fetchRemote, 30_000)).toBe('kept its address');
  });

  it('a simulated reboot brings the autostart container back with its forward, and leaves the others stopped until up', async () => {
    await ensureUp();
    for (const name of ['cache', 'web', 'db']) await env.lxc('lxc-stop', ['-n', `${project}_${name}`, '-k']);
    await removeRulesTagged(ruleTag(project));
    // What Debian's lxc init runs at boot (/usr/libexec/lxc/lxc-containers: lxc-autostart -g "onboot,").
    const boot = await env.lxc('lxc-autostart', ['-g', 'onboot,']);
    expect(boot.exitCode, boot.stderr).toBe(0);
    expect(await lxcInfo('web', '-sH')).toEqual(['RUNNING']);
    expect(await lxcInfo('db', '-sH')).toEqual(['STOPPED']);
    expect(await lxcInfo('cache', '-sH')).toEqual(['STOPPED']);
    // Nobody ran locker: the forward hook put web's rules back from its data.
    expect(await until('web through its forward after the reboot', fetchRemote, 30_000)).toBe('kept its address');
    expect(await settledAddress('web')).toEqual([planned.web!.ipv4]);

    const plan = await locker('plan', '--json');
    const starts = planOf(plan.stdout).actions.map((a) => `${a.container} ${a.kind}`);
    expect(starts.sort()).toEqual(['cache start', 'db start']);
    await ensureUp();
    expect((await locker('plan')).exitCode).toBe(0);
  });

  it('refuses a fixed address another project or an unmanaged container holds, at its spec line, touching nothing', async () => {
    await ensureUp();
    const other = mkdtempSync(path.join(tmpdir(), 'locker-netid-other-'));
    const stranger = `${project}-stranger`;
    try {
      // Another project asking for db's address.
      writeFileSync(path.join(other, 'locker.yml'), `containers:\n  app:\n    template: busybox\n    ipv4: ${fixed}\n`);
      const r = await runLocker(['plan', '-P', env.lxcpath, '-p', `${project}x`], { cwd: other });
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr).toContain(`error[SPEC_INVALID] locker.yml:4:11: ipv4 ${fixed} is already held by container ${project}_db`);
      expect(r.stderr).toContain('containers.app.ipv4');

      // A container Locker does not manage, with a static address in its own config.
      const taken = freeAddress();
      expect((await env.lxc('lxc-create', ['-n', stranger, '-t', 'busybox'])).exitCode).toBe(0);
      writeFileSync(path.join(env.lxcpath, stranger, 'config'), `${readFileSync(path.join(env.lxcpath, stranger, 'config'), 'utf8')}lxc.net.0.ipv4.address = ${taken}/24\n`);
      writeFileSync(path.join(other, 'locker.yml'), `containers:\n  app:\n    template: busybox\n    ipv4: ${taken}\n`);
      const r2 = await runLocker(['up', '--yes', '-P', env.lxcpath, '-p', `${project}x`], { cwd: other });
      expect(r2.exitCode, show(r2)).toBe(1);
      expect(r2.stderr).toContain(`error[SPEC_INVALID] locker.yml:4:11: ipv4 ${taken} is already held by container ${stranger}`);
      const names = (await env.lxc('lxc-ls', ['-1'])).stdout.split('\n').filter((n) => n.startsWith(`${project}x_`));
      expect(names).toEqual([]);
    } finally {
      await env.lxc('lxc-destroy', ['-n', stranger]);
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('down gives every lease and claim back at once', async () => {
    await ensureUp();
    const r = await locker('down', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    for (const name of ['db', 'web', 'cache']) expect(leasesOf(planned[name]!.mac), name).toEqual([]);
    expect((await readClaims()).filter((c) => c.lxcpath === env.lxcpath)).toEqual([]);
  });
});
