// Shaping containers on real LXC: a raw LXC key applied, a dangerous one refused at its spec line and then
// accepted with allow_config; a changed raw key restarts the container; and limits: written in the hierarchy
// this host has the controllers on (cgroup v2 files, or v1 files on a v1 or hybrid host such as CI's), read
// back inside the container and from the host, changed live and removed live without a restart.

import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalAgent } from '../../agents/index.js';
import type { ActionParams } from '../../plans/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import type { LxcEnv } from '../helpers/lxc-env.js';
import { useBusyboxBench, writePromptInit } from '../helpers/busybox-bench.js';
import { runLocker, show } from '../helpers/run-locker.js';
import type { TestBridge } from '../helpers/test-bridge.js';

const HIERARCHY = hostHierarchy();
let env: LxcEnv;
let bridge: TestBridge;

const bench = useBusyboxBench();
beforeAll(() => void ({ env, bridge } = bench));

function project(tag: string) {
  const work = bench.newWork('locker-shape-');
  writePromptInit(work);
  const name = `${env.prefix}${tag}`;
  const spec = (extra: string) =>
    writeFileSync(path.join(work, 'locker.yml'), `web:\n  template: busybox\n  bridge: ${bridge.name}\n  volumes: ["./init/prompt:/etc/inittab:ro"]\n${extra}`);
  const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', name], { cwd: work });
  const lxcName = `${name}_web`;
  const inside = async (...cmd: string[]) => (await execa('lxc-attach', ['-P', env.lxcpath, '-n', lxcName, '--clear-env', '--', ...cmd])).stdout;
  /** A cgroup file as the container sees it (on a v1 host, through the hierarchy mounted inside, at most once). */
  const insideCgroupFile = async (file: string) => {
    const dir = path.dirname(file);
    if (HIERARCHY.v1) await inside('sh', '-c', 'grep -q " $1 " /proc/mounts || { mkdir -p "$1" && mount -t cgroup -o "$2" cgroup "$1"; }', 'sh', dir, dir.slice('/tmp/cgroup-'.length));
    return inside('cat', file);
  };
  const initPid = async () => (await execa('lxc-info', ['-P', env.lxcpath, '-n', lxcName, '-pH'])).stdout.trim();
  /** A cgroup file of the container as the host sees it: lxc-cgroup, checked against the hierarchy init's /proc/PID/cgroup names. */
  const hostCgroupFile = async (pid: string, file: string) => {
    const controller = file.split('.')[0]!;
    const line = read(`/proc/${pid}/cgroup`).split('\n').find((l) => (HIERARCHY.v1 ? l.split(':')[1]!.split(',').includes(controller) : l.startsWith('0::')));
    const dir = HIERARCHY.v1 ? `/sys/fs/cgroup/${controller}${line!.split(':')[2]}` : `/sys/fs/cgroup${line!.split(':')[2]}`;
    const direct = read(path.join(dir, file)).trim();
    const viaLxc = (await execa('lxc-cgroup', ['-P', env.lxcpath, '-n', lxcName, file])).stdout.trim();
    expect(viaLxc).toBe(direct);
    return direct;
  };
  const exists = async () => (await execa('lxc-ls', ['-P', env.lxcpath, '-1'])).stdout.split('\n').includes(lxcName);
  return { spec, locker, inside, insideCgroupFile, initPid, hostCgroupFile, exists, lxcName };
}

describe('config: raw LXC keys', () => {
  it('refuses a dangerous key at its line, creates nothing, then applies it with allow_config', async () => {
    const p = project('raw');
    const keys = '  config:\n    lxc.environment: ["LOCKER_SHAPE=one"]\n    lxc.mount.entry: "tmpfs tmp/shape tmpfs defaults,create=dir 0 0"\n';
    p.spec(keys);
    const refused = await p.locker('up', '--yes');
    expect(refused.exitCode, show(refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/^error\[SPEC_INVALID\] locker\.yml:7:5: config lxc\.mount\.entry mounts host file systems into the container$/m);
    expect(refused.stderr).toMatch(/hint: if web must have it, add `allow_config: \[lxc\.mount\.entry\]` to web/);
    expect(await p.exists()).toBe(false);

    p.spec(`${keys}  allow_config: [lxc.mount.entry]\n`);
    const planned = await p.locker('plan');
    expect(planned.exitCode, show(planned)).toBe(2);
    expect(planned.stdout).toMatch(/\+ +set-config +lxc\.environment = LOCKER_SHAPE=one, lxc\.mount\.entry = tmpfs tmp\/shape tmpfs defaults,create=dir 0 0; opted in: lxc\.mount\.entry/);
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    expect(await p.inside('cat', '/proc/1/environ')).toContain('LOCKER_SHAPE=one');
    expect(await p.inside('grep', ' /tmp/shape ', '/proc/mounts')).toMatch(/^tmpfs \/tmp\/shape tmpfs/);

    // A changed key LXC reads at start: planned with its restart, applied by one.
    p.spec(`${keys.replace('LOCKER_SHAPE=one', 'LOCKER_SHAPE=two')}  allow_config: [lxc.mount.entry]\n`);
    const before = await p.initPid();
    const drift = await p.locker('plan');
    expect(drift.stdout).toMatch(/~ +set-config +\+lxc\.environment = LOCKER_SHAPE=two -lxc\.environment = LOCKER_SHAPE=one \(needs a restart: lxc\.environment\)/);
    expect(drift.stdout).toMatch(/\|\| stop +restart to apply config/);
    const again = await p.locker('up', '--yes');
    expect(again.exitCode, show(again)).toBe(0);
    expect(await p.initPid()).not.toBe(before);
    expect(await p.inside('cat', '/proc/1/environ')).toContain('LOCKER_SHAPE=two');
    const settled = await p.locker('plan');
    expect(settled.exitCode, show(settled)).toBe(0);
  });
});

describe('limits', () => {
  const LIMITS = (memory: string) => `  limits: {memory: ${memory}, pids: 64}\n`;

  it(`are in the container's cgroup files (${HIERARCHY.name}), and a change is set live without a restart`, async () => {
    const p = project('lim');
    p.spec(LIMITS('64M'));
    const planned = await p.locker('plan');
    expect(planned.stdout, show(planned)).toMatch(HIERARCHY.v1 ? /\+ +set-limits +memory\.limit_in_bytes 67108864 \(limits\.memory: 64M\), pids\.max 64 \(limits\.pids: 64\) \(cgroup v1 on this host\)/ : /\+ +set-limits +memory\.max 67108864 \(limits\.memory: 64M\), pids\.max 64 \(limits\.pids: 64\)  /);
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const config = readFileSync(path.join(env.lxcpath, p.lxcName, 'config'), 'utf8');
    expect(config).toContain(HIERARCHY.v1 ? 'lxc.cgroup.memory.limit_in_bytes = 67108864\nlxc.cgroup.pids.max = 64\n' : 'lxc.cgroup2.memory.max = 67108864\nlxc.cgroup2.pids.max = 64\n');
    // Inside: the container's own cgroup files, as LXC mounts them there.
    expect(await p.insideCgroupFile(HIERARCHY.inside.memory)).toBe('67108864');
    expect(await p.insideCgroupFile(HIERARCHY.inside.pids)).toBe('64');
    // From the host: the container's init is in the cgroup that has them.
    const pid = await p.initPid();
    expect(await p.hostCgroupFile(pid, HIERARCHY.memory)).toBe('67108864');
    expect(await p.hostCgroupFile(pid, 'pids.max')).toBe('64');

    p.spec(LIMITS('128M'));
    const plan = await p.locker('plan');
    expect(plan.stdout, show(plan)).toMatch(
      HIERARCHY.v1
        ? /~ +set-limits +\+memory\.limit_in_bytes=134217728 -memory\.limit_in_bytes=67108864 \(cgroup v1 on this host; live, no restart\)/
        : /~ +set-limits +\+memory\.max=134217728 -memory\.max=67108864 \(live, no restart\)/,
    );
    expect(plan.stdout).not.toMatch(/\|\| stop/);
    const live = await p.locker('up', '--yes');
    expect(live.exitCode, show(live)).toBe(0);
    expect(await p.initPid()).toBe(pid);
    expect(await p.insideCgroupFile(HIERARCHY.inside.memory)).toBe('134217728');
    expect(await p.hostCgroupFile(pid, HIERARCHY.memory)).toBe('134217728');

    // Removed: back to no limit, live.
    p.spec('');
    const removed = await p.locker('up', '--yes');
    expect(removed.exitCode, show(removed)).toBe(0);
    expect(await p.initPid()).toBe(pid);
    expect(await p.insideCgroupFile(HIERARCHY.inside.pids)).toBe('max');
    expect(await p.insideCgroupFile(HIERARCHY.inside.memory)).toBe(HIERARCHY.unlimited);
    const settled = await p.locker('plan');
    expect(settled.exitCode, show(settled)).toBe(0);
  });
});

describe('the agent on its own', () => {
  it('refuses, on the host, jobs the spec loader would refuse and limits the host cannot take; the config is left as it was', async () => {
    const p = project('agent');
    p.spec('');
    const up = await p.locker('create', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const configFile = path.join(env.lxcpath, p.lxcName, 'config');
    const before = readFileSync(configFile, 'utf8');
    const agent = new LocalAgent({ host: 'local', lxcpath: env.lxcpath });
    const [projectName, container] = [p.lxcName.slice(0, p.lxcName.lastIndexOf('_')), 'web'];
    const run = (params: ActionParams) => agent.runJob(makeJob(makeAction(params, { project: projectName, container })));

    const hook = await run({ kind: 'set-config', lines: [{ key: 'lxc.hook.pre-start', value: '/bin/touch /tmp/locker-shape-marker' }] });
    expect(hook).toMatchObject({ ok: false, error: { code: 'PLAN_INVALID', message: expect.stringMatching(/lxc.hook.pre-start runs a program on the host, and the job does not allow it$/) } });
    const smuggled = await run({ kind: 'set-config', lines: [{ key: 'lxc.arch', value: 'x86_64\nlxc.hook.pre-start = /bin/true' }] });
    expect(smuggled).toMatchObject({ ok: false, error: { code: 'PLAN_INVALID' } });
    // A limit in the hierarchy this host does not have its memory controller on (the planner never sends one).
    const limits = await run({ kind: 'set-limits', settings: [HIERARCHY.v1 ? { key: 'memory.max', value: '67108864' } : { key: 'memory.limit_in_bytes', value: '67108864', v1: true }] });
    expect(limits).toMatchObject({ ok: false, error: { code: 'HOST_PRECONDITION', message: expect.stringMatching(new RegExp(`has no cgroup ${HIERARCHY.v1 ? 'v2' : 'v1'} memory controller`)) } });
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    // What the planner makes is accepted and written; a repeat is adopted.
    const fine: ActionParams = { kind: 'set-config', lines: [{ key: 'lxc.environment', value: 'A=1' }] };
    expect(await run(fine)).toMatchObject({ ok: true, outcome: 'done' });
    expect(await run(fine)).toMatchObject({ ok: true, outcome: 'adopted' });
    expect(readFileSync(configFile, 'utf8')).toMatch(/# locker:config\nlxc\.environment = A=1\n# locker:end\n$/);
  });
});

/**
 * Where this host has the memory and pids controllers, as observe reads it: cgroup2 (a v2 host), or else
 * cgroup v1 hierarchies (a v1 or hybrid host, as CI's). The test asserts the files of that hierarchy.
 */
function hostHierarchy() {
  const mounts = read('/proc/self/mounts').split('\n').map((l) => l.split(' '));
  const point = mounts.find((f) => f[2] === 'cgroup2')?.[1];
  const v2 = point === undefined ? [] : read(`${point}/cgroup.controllers`).split(/\s+/);
  if (v2.includes('memory') && v2.includes('pids')) {
    return { name: 'cgroup v2', v1: false, memory: 'memory.max', unlimited: 'max', inside: { memory: '/sys/fs/cgroup/memory.max', pids: '/sys/fs/cgroup/pids.max' } };
  }
  const v1 = mounts.filter((f) => f[2] === 'cgroup').flatMap((f) => (f[3] ?? '').split(','));
  if (!v1.includes('memory') || !v1.includes('pids')) throw new Error('this host has memory and pids on no cgroup hierarchy: limits cannot be tested');
  return {
    name: 'cgroup v1 memory and pids',
    v1: true,
    memory: 'memory.limit_in_bytes',
    unlimited: '9223372036854771712',
    // LXC 5.0 mounts no cgroup file system inside a busybox container on a hybrid host (lxc.mount.auto =
    // cgroup:mixed notwithstanding): the test mounts each v1 hierarchy inside itself, where the container's
    // cgroup namespace makes its own cgroup the root.
    inside: { memory: '/tmp/cgroup-memory/memory.limit_in_bytes', pids: '/tmp/cgroup-pids/pids.max' },
  };
}

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
