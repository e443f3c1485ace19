// Shaping over NATS: the job carries the raw keys and their allowance to the agent, which writes them;
// the agent reports its host's cgroup v2 controllers, so limits on a host that lacks them are refused
// before anything is sent, with their location.

import { execa } from 'execa';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp } from '../helpers/clean-up.js';
import { startNatsHosts, type NatsHosts } from '../helpers/nats-hosts.js';
import { show } from '../helpers/run-locker.js';
import { createTestBridge, type TestBridge } from '../helpers/test-bridge.js';

const PROMPT_INITTAB = '::sysinit:/bin/busybox true\n::respawn:/bin/busybox sleep 86400\n';

let t: NatsHosts;
let bridge: TestBridge;

beforeAll(async () => {
  t = await startNatsHosts(['h1']);
  bridge = await createTestBridge(`${t.project}br`);
  mkdirSync(path.join(t.work, 'init'), { recursive: true });
  writeFileSync(path.join(t.work, 'init', 'prompt'), PROMPT_INITTAB);
  t.startAgent('h1');
  await t.waitAgents(['h1'], true);
});

afterAll(async () => {
  await cleanUp([async () => t?.cleanUp(), async () => bridge?.destroy()]);
});

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

  it('limits are judged by what the agent reports of its host\'s cgroup v2', async () => {
    const offered = await execa('sh', ['-c', 'cat "$(awk \'$3=="cgroup2"{print $2; exit}\' /proc/self/mounts)/cgroup.controllers"'], { reject: false });
    spec('    limits: {memory: 64M}\n');
    const plan = await t.control('plan');
    if (/\bmemory\b/.test(offered.stdout)) {
      expect(plan.stdout, show(plan)).toMatch(/~ +set-limits +\+memory\.max=67108864 \(live, no restart\)/);
    } else {
      // Not "does not report": the controllers crossed the wire, and memory is not among them.
      expect(plan.stderr, show(plan)).toMatch(/^error\[HOST_PRECONDITION\] locker\.yml:7:22: web sets cgroup memory\.max, but host "h1" has no cgroup v2 memory controller/m);
    }
  });
});
