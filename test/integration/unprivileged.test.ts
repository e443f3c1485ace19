// Unprivileged containers on real LXC (busybox, embedded): a template container and its snapshot clone run
// in user namespaces with one range of Locker's block (the clone shares its origin's); the host sees their
// init as uid BASE, not root; a file root writes inside a volume is owned by root (uid 0) on the host,
// because the volume is an idmapped mount. A changed `unprivileged` is refused; `down` frees the range.

import { execa } from 'execa';
import { chmodSync, existsSync, readdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCKER_IDS_FIRST, parseIdmap, RANGES_DIR, SUBORDINATE_LINE, slotOf } from '../../src/lxc/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { createTestBridge, type TestBridge } from '../helpers/test-bridge.js';

// No rcS: no DHCP client (the test bridge has no DHCP server).
const INITTAB = '::sysinit:/bin/busybox true\n::respawn:/bin/busybox sleep 86400\n';

let env: LxcEnv;
let bridge: TestBridge;
let work: string;

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  // An unprivileged root must reach the rootfs: mkdtemp made the lxcpath 0700.
  chmodSync(env.lxcpath, 0o711);
  bridge = await createTestBridge(`${env.prefix}up`);
  work = mkdtempSync(path.join(tmpdir(), 'locker-unpriv-'));
  // Volumes too: LXC opens an idmapped mount's source as the container's root.
  chmodSync(work, 0o711);
  writeFileSync(path.join(work, 'inittab'), INITTAB);
});

afterAll(async () => {
  await cleanUp([async () => env?.destroyAll(), async () => bridge?.destroy(), async () => work && rmSync(work, { recursive: true, force: true })]);
});

function spec(cloneUnprivileged: boolean): string {
  const volumes = (dir: string) => `    volumes: ["./inittab:/etc/inittab:ro", "./${dir}:/data"]`;
  return [
    'containers:',
    '  base:',
    '    template: busybox',
    '    unprivileged: true',
    `    bridge: ${bridge.name}`,
    volumes('base-data'),
    '  copy:',
    '    clone: base',
    '    snapshot: true',
    `    unprivileged: ${cloneUnprivileged}`,
    `    bridge: ${bridge.name}`,
    volumes('copy-data'),
    '',
  ].join('\n');
}

/** The Uid line of /proc/PID/status of the container's init as the host sees it: real, effective, saved, fs. */
async function initUids(lxcName: string): Promise<number[]> {
  const pid = (await execa('lxc-info', ['-P', env.lxcpath, '-n', lxcName, '-pH'])).stdout.trim();
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return line.split(/\s+/).slice(1).map(Number);
}

function configBase(lxcName: string): number | undefined {
  return parseIdmap(readFileSync(path.join(env.lxcpath, lxcName, 'config'), 'utf8'))?.uidBase;
}

describe('unprivileged containers', () => {
  it('a busybox container and its snapshot clone share one range; root inside is not root on the host; volumes are owned as on the host', async () => {
    const project = `${env.prefix}u`;
    const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
    const base = `${project}_base`;
    const copy = `${project}_copy`;

    writeFileSync(path.join(work, 'locker.yml'), spec(false));
    const refused = await locker('plan');
    expect(refused.exitCode, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(/copy clones base, which has unprivileged: true, but copy has unprivileged: false/);
    expect(refused.stderr).toMatch(/locker\.yml:\d+:\d+/);

    writeFileSync(path.join(work, 'locker.yml'), spec(true));
    const up = await locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    for (const file of ['/etc/subuid', '/etc/subgid']) expect(readFileSync(file, 'utf8').split('\n')).toContain(SUBORDINATE_LINE);

    const baseId = configBase(base)!;
    expect(slotOf(baseId), `base ${baseId} is a range of Locker's block`).toBeDefined();
    expect(baseId).toBeGreaterThanOrEqual(LOCKER_IDS_FIRST);
    expect(configBase(copy)).toBe(baseId);
    const slotDir = path.join(RANGES_DIR, String(slotOf(baseId)));
    const holders = readdirSync(slotDir).map((f) => readFileSync(path.join(slotDir, f), 'utf8'));
    expect(holders.sort()).toEqual([`container=${base} lxcpath=${env.lxcpath}\n`, `container=${copy} lxcpath=${env.lxcpath}\n`].sort());
    // The rootfs the template wrote belongs to the mapped root.
    expect(statSync(path.join(env.lxcpath, base, 'rootfs', 'bin')).uid).toBe(baseId);

    for (const [name, dir] of [[base, 'base-data'], [copy, 'copy-data']] as const) {
      expect(await initUids(name), `${name}'s init as the host sees it`).toEqual([baseId, baseId, baseId, baseId]);
      const inside = (...argv: string[]) => execa('lxc-attach', ['-P', env.lxcpath, '-n', name, '--clear-env', '--', ...argv], { reject: false });
      expect((await inside('id', '-u')).stdout.trim()).toBe('0');
      const write = await inside('/bin/sh', '-c', 'echo from-inside > /data/written && ls -ln /data/written');
      expect(write.exitCode, write.stderr).toBe(0);
      // Inside, the file is root's too (the idmapped mount shows host ids as they are).
      expect(write.stdout).toMatch(/^-\S+\s+\d+\s+0\s+0\s/);
      const onHost = statSync(path.join(work, dir, 'written'));
      expect([onHost.uid, onHost.gid], `${dir}/written on the host`).toEqual([0, 0]);
      expect(readFileSync(path.join(work, dir, 'written'), 'utf8')).toBe('from-inside\n');
      // Root inside cannot act as root on a host file the volume holds: /proc/sys writes are refused.
      expect((await inside('/bin/sh', '-c', 'echo 1 > /proc/sys/kernel/sysrq')).exitCode).not.toBe(0);
    }

    expect((await locker('up', '--yes')).stdout).toMatch(/No changes/);
    writeFileSync(path.join(work, 'locker.yml'), spec(true).replace('    unprivileged: true\n    bridge', '    unprivileged: false\n    bridge').replace(`    unprivileged: true\n    bridge: ${bridge.name}\n    volumes: ["./inittab:/etc/inittab:ro", "./copy-data`, `    unprivileged: false\n    bridge: ${bridge.name}\n    volumes: ["./inittab:/etc/inittab:ro", "./copy-data`));
    const flipped = await locker('plan');
    expect(flipped.exitCode, show(flipped)).toBe(1);
    expect(flipped.stderr).toMatch(/base exists unprivileged on host "local", but the spec says unprivileged: false/);
    expect(flipped.stderr).toMatch(/locker rm base/);

    writeFileSync(path.join(work, 'locker.yml'), spec(true));
    const down = await locker('down', '--yes');
    expect(down.exitCode, show(down)).toBe(0);
    expect(existsSync(slotDir), 'the range is free once both are gone').toBe(false);
    expect(readFileSync(path.join(work, 'base-data', 'written'), 'utf8')).toBe('from-inside\n');
  });
});
