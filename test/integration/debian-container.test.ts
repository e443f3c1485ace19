// A real Debian 12 container through Locker: LXC's debian template (debootstrap, systemd, ifupdown + ISC dhclient,
// sshd). Its own DHCP client must leave exactly the address LXC configured before init, systemd must keep the fqdn,
// sshd must answer through the forwarded port from another machine, through a restart, and `down` must stop it
// cleanly (systemd's stop jobs ran, well inside the stop timeout), destroy it and give its lease and claim back.

import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkParams } from '../../plans/types.js';
import { DEFAULT_STOP_TIMEOUT_S, LEASE_FILE, parseLeases, readClaims } from '../../src/lxc/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { createRemoteClient, type RemoteClient } from '../helpers/netns.js';
import { LOCKER_BIN, runLocker, show, type LockerResult } from '../helpers/run-locker.js';
import { plannedNetworks } from '../helpers/planned-network.js';
import { parsePlan } from '../../plans/plan-file.js';
import { until } from '../helpers/wait-until.js';

let env: LxcEnv;
let client: RemoteClient;
let work: string;
let project: string;
let planned: NetworkParams;
const port = 20000 + Math.floor(Math.random() * 20000);
const fqdn = () => `deb.${project}.locker.test`;
const lxcName = () => `${project}_deb`;
/** A volume the container's stop job writes to: what survives the container to say that systemd shut down. */
const out = () => path.join(work, 'out');
const cleanStops = () => {
  const file = path.join(out(), 'clean-stops');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length : 0;
};

// The first debootstrap from Debian's archive took ~110 s here: more than runLocker's 100 s.
const FIRST_UP_TIMEOUT_MS = 15 * 60_000;

/** What LXC's debian template runs (lxc only recommends these packages): missing ones fail the test, never skip it. */
const TEMPLATE_NEEDS: Array<{ bin: string; pkg: string }> = [
  { bin: 'debootstrap', pkg: 'debootstrap' },
  { bin: 'rsync', pkg: 'rsync' },
  { bin: 'wget', pkg: 'wget' },
  { bin: 'openssl', pkg: 'openssl' },
];

async function requireDebianTemplate(): Promise<void> {
  const missing: string[] = [];
  for (const t of TEMPLATE_NEEDS) {
    const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', t.bin], { reject: false });
    if (r.exitCode !== 0) missing.push(t.pkg);
  }
  if (!existsSync('/usr/share/lxc/templates/lxc-debian')) missing.push('lxc-templates');
  if (missing.length > 0) {
    throw new Error(`missing prerequisites of the debian template: apt-get update && apt-get install -y ${missing.join(' ')} (or run bin/setup-host)`);
  }
}

const lockerArgs = (args: string[]) => [...args, '-P', env.lxcpath, '-p', project];
const locker = (...args: string[]) => runLocker(lockerArgs(args), { cwd: work });

/** `locker apply PLAN`, which may debootstrap a fresh Debian: runLocker's timeout is sized for busybox. */
async function lockerUpFirst(planFile: string): Promise<LockerResult> {
  const r = await execa(process.execPath, [LOCKER_BIN, ...lockerArgs(['apply', planFile, '--yes'])], {
    cwd: work,
    reject: false,
    stdin: 'ignore',
    timeout: FIRST_UP_TIMEOUT_MS,
    forceKillAfterDelay: 5_000,
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) + (r.timedOut ? '\n[test: killed after its timeout]' : '') };
}

async function attach(cmd: string[], input?: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const r = await execa('lxc-attach', ['-P', env.lxcpath, '-n', lxcName(), '--', ...cmd], {
    reject: false,
    timeout: 30_000,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout).trim(), stderr: String(r.stderr).trim() };
}

/** systemd has finished booting: `is-system-running` says running (or degraded); before its bus is up it fails. */
async function bootedState(): Promise<string> {
  return until(`systemd in ${lxcName()} to finish booting`, async () => {
    const r = await attach(['systemctl', 'is-system-running']);
    return ['running', 'degraded'].includes(r.stdout) ? r.stdout : undefined;
  }, 90_000, 500);
}

/** The IPv4 addresses on eth0 as the container sees them, with their details (broadcast, lifetime). */
async function eth0Addresses(): Promise<string[]> {
  const r = await attach(['ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l.includes(' inet '));
}

function leasesOf(mac: string) {
  return parseLeases(readFileSync(LEASE_FILE, 'utf8')).filter((l) => l.mac === mac);
}

/** The first line sshd sends, read by a client in another network namespace through the forwarded port. */
async function sshBanner(): Promise<string | undefined> {
  const script = `const s = require('node:net').connect(${port}, ${JSON.stringify(client.hostAddress)});
s.setTimeout(3000, () => process.exit(2));
s.on('error', () => process.exit(1));
s.once('data', (d) => { process.stdout.write(String(d).split('\\r\\n')[0]); process.exit(0); });`;
  const r = await client.exec([process.execPath, '-e', script], { timeoutMs: 10_000 });
  return r.exitCode === 0 && r.stdout.startsWith('SSH-2.0-') ? r.stdout : undefined;
}

/** What must hold after every boot: the planned address alone, dhclient bound to it, the fqdn, sshd through the forward. */
async function expectBootedAsPlanned(): Promise<void> {
  const state = await bootedState();
  const failed = await attach(['systemctl', '--failed', '--no-legend', '--plain']);
  expect(state, `failed units: ${failed.stdout}`).toBe('running');
  // ifup runs dhclient, whose script tries `ip addr add` of the address LXC already set: it must not fail the unit.
  expect((await attach(['systemctl', 'is-active', 'networking.service'])).stdout).toBe('active');

  const v4 = await eth0Addresses();
  expect(v4, v4.join('\n')).toHaveLength(1);
  expect(v4[0]).toMatch(new RegExp(` inet ${planned.ipv4.replaceAll('.', '\\.')}/24 brd 10\\.0\\.3\\.255 `));
  const info = await env.lxc('lxc-info', ['-n', lxcName(), '-iH']);
  expect(info.stdout.split('\n').map((l) => l.trim()).filter((l) => l.includes('.'))).toEqual([planned.ipv4]);

  // dhclient ran, is still running (to renew), and was given exactly the planned address.
  const pid = await attach(['cat', '/run/dhclient.eth0.pid']);
  expect(pid.exitCode, `no dhclient pid file: ${pid.stderr}`).toBe(0);
  expect((await attach(['cat', `/proc/${pid.stdout}/comm`])).stdout).toBe('dhclient');
  const lease = await attach(['cat', '/var/lib/dhcp/dhclient.eth0.leases']);
  expect(lease.exitCode, lease.stderr).toBe(0);
  const fixed = [...lease.stdout.matchAll(/fixed-address ([0-9.]+);/g)].map((m) => m[1]);
  expect(fixed.length, lease.stdout).toBeGreaterThan(0);
  expect(new Set(fixed), lease.stdout).toEqual(new Set([planned.ipv4]));
  const held = leasesOf(planned.mac);
  expect(held.map((l) => l.ip), JSON.stringify(held)).toEqual([planned.ipv4]);

  expect((await attach(['hostname'])).stdout).toBe('deb');
  expect((await attach(['hostname', '-f'])).stdout).toBe(fqdn());
  expect((await attach(['cat', '/etc/hostname'])).stdout).toBe('deb');
  expect((await attach(['cat', '/etc/hosts'])).stdout).toMatch(new RegExp(`^127\\.0\\.1\\.1\\s+${fqdn().replaceAll('.', '\\.')} deb$`, 'm'));

  expect((await attach(['systemctl', 'is-active', 'ssh.service'])).stdout).toBe('active');
  expect(await until(`sshd's banner through ${client.hostAddress}:${port}`, sshBanner, 30_000, 500)).toMatch(/^SSH-2\.0-OpenSSH_/);
}

// A unit whose stop job runs only when systemd shuts down in order (not when the container is killed).
const STOP_NOTE_UNIT = `[Unit]
Description=Locker test: notes each clean shutdown in a volume
RequiresMountsFor=/srv/locker-test

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
ExecStop=/bin/sh -c 'echo stopped >> /srv/locker-test/clean-stops'

[Install]
WantedBy=multi-user.target
`;

beforeAll(async () => {
  await requireTools();
  await requireDebianTemplate();
  env = await createLxcEnv();
  project = env.prefix;
  client = await createRemoteClient(env.prefix.slice(0, 8));
  work = mkdtempSync(path.join(tmpdir(), `locker-${project}-debian-`));
  mkdirSync(out(), { recursive: true });
  writeFileSync(
    path.join(work, 'locker.yml'),
    `containers:
  deb:
    template: {name: debian, release: bookworm}
    fqdn: ${fqdn()}
    ports: ["${port}:22"]
    volumes:
      - ${out()}:/srv/locker-test
`,
  );
  // The plan is saved and applied as it is: the container gets exactly the address this plan shows.
  const planFile = path.join(work, 'first.plan.json');
  const plan = await locker('plan', '-o', planFile);
  expect(plan.exitCode, show(plan)).toBe(2);
  const saved = parsePlan(readFileSync(planFile, 'utf8'), planFile);
  const { actions } = saved;
  const network = plannedNetworks(saved).deb;
  if (network === undefined) throw new Error(`no set-network step in the plan:\n${plan.stdout}`);
  planned = network;
  const create = actions.find((a) => a.kind === 'create');
  expect(create?.params).toEqual({ kind: 'create', template: 'debian', args: { release: 'bookworm' } });

  const up = await lockerUpFirst(planFile);
  expect(up.exitCode, show(up)).toBe(0);
}, FIRST_UP_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await cleanUp([
    async () => env?.destroyAll(),
    async () => project && removeRulesTagged(ruleTag(project)),
    async () => client?.destroy(),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

describe('a Debian 12 container (systemd, ifupdown + dhclient, sshd) through Locker', () => {
  it('the plan gives it an address on lxcbr0, reserved for its MAC', () => {
    expect(planned).toMatchObject({ bridge: 'lxcbr0', prefix: 24, gateway: '10.0.3.1', reserve: true });
    expect(planned.ipv4).toMatch(/^10\.0\.3\.\d+$/);
    expect(planned.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });

  it('booted: exactly the planned address (dhclient bound to it, added none), the fqdn under systemd, sshd through the forward', async () => {
    const installed = await attach(['dpkg-query', '-W', '-f=${Status}', 'openssh-server']);
    expect(installed.stdout, 'the debian template installs openssh-server').toBe('install ok installed');
    await expectBootedAsPlanned();
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });

  it('keeps all of it through a clean lxc-stop and lxc-start, and systemd shut down in order', async () => {
    const note = await attach(['sh', '-c', 'cat > /etc/systemd/system/locker-test-stop.service'], STOP_NOTE_UNIT);
    expect(note.exitCode, note.stderr).toBe(0);
    const enabled = await attach(['sh', '-c', 'systemctl daemon-reload && systemctl enable --now locker-test-stop.service']);
    expect(enabled.exitCode, enabled.stderr).toBe(0);

    const stop = await env.lxc('lxc-stop', ['-n', lxcName(), '-t', '60']);
    expect(stop.exitCode, stop.stderr).toBe(0);
    expect(cleanStops()).toBe(1);
    const start = await env.lxc('lxc-start', ['-n', lxcName()]);
    expect(start.exitCode, start.stderr).toBe(0);
    await expectBootedAsPlanned();
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });

  it('down stops it cleanly (no kill after the timeout), destroys it, and gives its lease and its claim back', async () => {
    const before = cleanStops();
    const down = await locker('down', '--yes', '--json');
    expect(down.exitCode, show(down)).toBe(0);
    const { runId } = JSON.parse(down.stdout) as { runId: string };
    const shown = await locker('show', runId, '--json');
    expect(shown.exitCode, show(shown)).toBe(0);
    const steps = (JSON.parse(shown.stdout) as { actions: Array<{ kind: string; state: string; outcome?: string; durationMs?: number }> }).actions;
    const stop = steps.find((s) => s.kind === 'stop');
    expect(stop).toMatchObject({ state: 'succeeded', outcome: 'done' });
    // lxc-stop -t kills silently once the timeout passes: a stop that took the clean path ends well before it.
    expect(stop!.durationMs).toBeLessThan(DEFAULT_STOP_TIMEOUT_S * 1000);
    expect(cleanStops()).toBe(before + 1);

    const left = (await env.lxc('lxc-ls', ['-1'])).stdout.split('\n').filter((n) => n.trim() !== '');
    expect(left).toEqual([]);
    expect(leasesOf(planned.mac)).toEqual([]);
    expect((await readClaims()).filter((c) => c.lxcpath === env.lxcpath || c.mac === planned.mac)).toEqual([]);
  });
});
