// Shaping containers on real LXC: a raw LXC key applied, a dangerous one refused at its spec line and then
// accepted with allow_config; a changed raw key restarts the container; and limits: written as cgroup v2
// files and changed live on a host whose cgroup v2 has the controllers, refused with their location on one
// that has not (LXC would ignore them there, with a warning only).

import { execa } from 'execa';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgent } from '../../agents/index.js';
import type { ActionParams } from '../../plans/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { createTestBridge, type TestBridge } from '../helpers/test-bridge.js';

// No rcS, so no DHCP wait: init is up at once and halts at once.
const PROMPT_INITTAB = '::sysinit:/bin/busybox true\n::respawn:/bin/busybox sleep 86400\n';

let env: LxcEnv;
let bridge: TestBridge;
const works: string[] = [];

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  bridge = await createTestBridge(`${env.prefix}br`);
});

afterAll(async () => {
  await cleanUp([async () => env?.destroyAll(), async () => bridge?.destroy(), async () => works.forEach((w) => rmSync(w, { recursive: true, force: true }))]);
});

function project(tag: string) {
  const work = mkdtempSync(path.join(tmpdir(), 'locker-shape-'));
  works.push(work);
  mkdirSync(path.join(work, 'init'));
  writeFileSync(path.join(work, 'init', 'prompt'), PROMPT_INITTAB);
  const name = `${env.prefix}${tag}`;
  const spec = (extra: string) =>
    writeFileSync(path.join(work, 'locker.yml'), `web:\n  template: busybox\n  bridge: ${bridge.name}\n  volumes: ["./init/prompt:/etc/inittab:ro"]\n${extra}`);
  const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', name], { cwd: work });
  const lxcName = `${name}_web`;
  const inside = async (...cmd: string[]) => (await execa('lxc-attach', ['-P', env.lxcpath, '-n', lxcName, '--clear-env', '--', ...cmd])).stdout;
  const initPid = async () => (await execa('lxc-info', ['-P', env.lxcpath, '-n', lxcName, '-pH'])).stdout.trim();
  const exists = async () => (await execa('lxc-ls', ['-P', env.lxcpath, '-1'])).stdout.split('\n').includes(lxcName);
  return { spec, locker, inside, initPid, exists, lxcName };
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

  it.skipIf(v2Ready())('are refused on this host, whose cgroup v2 lacks memory and pids (hybrid or v1), at their line; nothing is created', async () => {
    const p = project('nov2');
    p.spec(LIMITS('64M'));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).not.toBe(0);
    expect(up.stderr).toMatch(/^error\[HOST_PRECONDITION\] locker\.yml:5:20: web sets cgroup memory\.max, but host "local" has no cgroup v2 memory controller \(a cgroup v1 or hybrid host\): LXC would ignore it$/m);
    expect(up.stderr).toMatch(/hint: boot the host with cgroup v2 only/);
    expect(await p.exists()).toBe(false);
  });

  it.runIf(v2Ready())('are in the container\'s cgroup files, and a change is set live without a restart', async () => {
    const p = project('lim');
    p.spec(LIMITS('64M'));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    expect(await p.inside('cat', '/sys/fs/cgroup/memory.max')).toBe('67108864');
    expect(await p.inside('cat', '/sys/fs/cgroup/pids.max')).toBe('64');
    const pid = await p.initPid();
    p.spec(LIMITS('128M'));
    const plan = await p.locker('plan');
    expect(plan.stdout).toMatch(/~ +set-limits +\+memory\.max=134217728 -memory\.max=67108864 \(live, no restart\)/);
    expect(plan.stdout).not.toMatch(/\|\| stop/);
    const live = await p.locker('up', '--yes');
    expect(live.exitCode, show(live)).toBe(0);
    expect(await p.initPid()).toBe(pid);
    expect(await p.inside('cat', '/sys/fs/cgroup/memory.max')).toBe('134217728');
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
    if (!v2Ready()) {
      const limits = await run({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '67108864' }] });
      expect(limits).toMatchObject({ ok: false, error: { code: 'HOST_PRECONDITION', message: expect.stringMatching(/has no cgroup v2 memory controller/) } });
    }
    expect(readFileSync(configFile, 'utf8')).toBe(before);

    // What the planner makes is accepted and written; a repeat is adopted.
    const fine: ActionParams = { kind: 'set-config', lines: [{ key: 'lxc.environment', value: 'A=1' }] };
    expect(await run(fine)).toMatchObject({ ok: true, outcome: 'done' });
    expect(await run(fine)).toMatchObject({ ok: true, outcome: 'adopted' });
    expect(readFileSync(configFile, 'utf8')).toMatch(/# locker:config\nlxc\.environment = A=1\n# locker:end\n$/);
  });
});

/** Evaluated when the tests are collected: whether this host's cgroup v2 offers memory and pids (as observe reads it). */
function v2Ready(): boolean {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const point = read('/proc/self/mounts').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
  const controllers = point === undefined ? [] : read(`${point}/cgroup.controllers`).split(/\s+/);
  return controllers.includes('memory') && controllers.includes('pids');
}
