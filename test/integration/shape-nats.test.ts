// Shaping over NATS: the job carries the raw keys and their allowance to the agent, which writes them;
// the agent reports its host's cgroup v2 controllers and v1 hierarchies, so the planner writes each limit
// in the hierarchy that host has (v1 files on this hybrid host), and the agent sets it live.

import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NatsHosts } from '../helpers/nats-hosts.js';
import { usePromptNatsHost } from '../helpers/busybox-bench.js';
import { show } from '../helpers/run-locker.js';
import type { TestBridge } from '../helpers/test-bridge.js';

let t: NatsHosts;
let bridge: TestBridge;
const host = usePromptNatsHost();
beforeAll(() => void ({ t, bridge } = host));

function spec(extra: string): void {
  t.writeSpec(`containers:\n  web:\n    host: h1\n    template: busybox\n    bridge: ${bridge.name}\n    volumes: ["./init/prompt:/etc/inittab:ro"]\n${extra}`);
}

describe('shaping over NATS', () => {
  it('an agent applies raw keys, the dangerous one with the allowance its job carries', async () => {
    spec('    config:\n      lxc.environment: ["LOCKER_SHAPE=nats"]\n      lxc.mount.entry: "tmpfs tmp/shape tmpfs defaults,create=dir 0 0"\n    allow_config: [lxc.mount.entry]\n');
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const lxcpath = t.envs.h1!.lxcpath;
    const name = `${t.project}_web`;
    const config = readFileSync(path.join(lxcpath, name, 'config'), 'utf8');
    expect(config).toMatch(/# locker:config\nlxc\.environment = LOCKER_SHAPE=nats\nlxc\.mount\.entry = tmpfs tmp\/shape tmpfs defaults,create=dir 0 0\n# locker:end/);
    const attach = (...cmd: string[]) => execa('lxc-attach', ['-P', lxcpath, '-n', name, '--clear-env', '--', ...cmd]);
    expect((await attach('cat', '/proc/1/environ')).stdout).toContain('LOCKER_SHAPE=nats');
    expect((await attach('grep', ' /tmp/shape ', '/proc/mounts')).stdout).toMatch(/^tmpfs \/tmp\/shape tmpfs/);
    const settled = await t.control('plan');
    expect(settled.exitCode, show(settled)).toBe(0);
  });

  it('limits are written as the agent reports its host\'s hierarchies, and changed live', async () => {
    const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' '));
    const point = mounts.find((f) => f[2] === 'cgroup2')?.[1];
    const v2 = point === undefined ? '' : readFileSync(`${point}/cgroup.controllers`, 'utf8');
    const onV1 = !/\bmemory\b/.test(v2);
    if (onV1) expect(mounts.some((f) => f[2] === 'cgroup' && (f[3] ?? '').split(',').includes('memory')), 'memory on no cgroup hierarchy').toBe(true);
    const file = onV1 ? 'memory.limit_in_bytes' : 'memory.max';
    spec('    limits: {memory: 64M}\n');
    const plan = await t.control('plan');
    // The v1 choice proves the v1 controllers crossed the wire: the control point reads no host of its own.
    expect(plan.stdout, show(plan)).toMatch(onV1 ? /~ +set-limits +\+memory\.limit_in_bytes=67108864 \(cgroup v1 on this host; live, no restart\)/ : /~ +set-limits +\+memory\.max=67108864 \(live, no restart\)/);
    const lxcpath = t.envs.h1!.lxcpath;
    const name = `${t.project}_web`;
    const cgroupFile = async () => (await execa('lxc-cgroup', ['-P', lxcpath, '-n', name, '--', file])).stdout.trim();
    const pid = async () => (await execa('lxc-info', ['-P', lxcpath, '-n', name, '-pH'])).stdout.trim();
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    expect(await cgroupFile()).toBe('67108864');
    const before = await pid();
    expect(readFileSync(path.join(lxcpath, name, 'config'), 'utf8')).toContain(onV1 ? 'lxc.cgroup.memory.limit_in_bytes = 67108864\n' : 'lxc.cgroup2.memory.max = 67108864\n');

    spec('    limits: {memory: 128M}\n');
    const again = await t.control('up', '--yes');
    expect(again.exitCode, show(again)).toBe(0);
    expect(await cgroupFile()).toBe('134217728');
    expect(await pid()).toBe(before);
    const settled = await t.control('plan');
    expect(settled.exitCode, show(settled)).toBe(0);
  });
});
