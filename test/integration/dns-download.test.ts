// dns and download on real LXC: nameservers from a literal, $bridge and $copy written into Locker's block
// of the container's resolv.conf (the rest kept), drift fixed live without a restart; and a download
// container on a machine that cannot reach its image server fails at its create step with LXC's own
// message and a hint, while the other container of the spec comes up untouched.

import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHostNameservers } from '../../src/lxc/index.js';
import { useBusyboxBench, writePromptInit } from '../helpers/busybox-bench.js';
import { runLocker, show } from '../helpers/run-locker.js';

const lxc = useBusyboxBench();

function project(tag: string) {
  const { env } = lxc;
  const work = lxc.newWork('locker-dns-');
  writePromptInit(work);
  const name = `${env.prefix}${tag}`;
  const spec = (text: string) => writeFileSync(path.join(work, 'locker.yml'), text);
  const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', name], { cwd: work });
  const inside = async (lxcName: string, ...cmd: string[]) => (await execa('lxc-attach', ['-P', env.lxcpath, '-n', lxcName, '--clear-env', '--', ...cmd])).stdout;
  const initPid = async (lxcName: string) => (await execa('lxc-info', ['-P', env.lxcpath, '-n', lxcName, '-pH'])).stdout.trim();
  const list = async () => (await execa('lxc-ls', ['-P', env.lxcpath, '-1'])).stdout.split('\n').filter((n) => n.startsWith(name));
  return { spec, locker, inside, initPid, list, name };
}

const busybox = (extra: string) => `  template: busybox\n  bridge: ${lxc.bridge.name}\n  volumes: ["./init/prompt:/etc/inittab:ro"]\n${extra}`;

describe('dns', () => {
  it('writes a literal, $bridge and $copy into its own block of resolv.conf, keeps the rest, and fixes drift live', async () => {
    const p = project('dns');
    const host = await readHostNameservers();
    expect(host.usable.length, 'this host lists a nameserver $copy can hand on').toBeGreaterThan(0);
    p.spec(`web:\n${busybox('  dns: ["9.9.9.9", "$bridge", "$copy"]\n')}`);
    const want = ['9.9.9.9', lxc.bridge.ipv4, ...host.usable].slice(0, 3);
    const planned = await p.locker('plan');
    expect(planned.exitCode, show(planned)).toBe(2);
    expect(planned.stdout).toMatch(new RegExp(`\\+ +set-dns +nameservers ${want.join(', ').replace(/\./g, '\\.')} \\(from \\$bridge, \\$copy\\)`));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const lxcName = `${p.name}_web`;
    const block = ['# locker:dns:begin', ...want.map((n) => `nameserver ${n}`), '# locker:dns:end'].join('\n');
    expect(await p.inside(lxcName, 'cat', '/etc/resolv.conf')).toContain(block);
    expect((await p.locker('plan')).exitCode).toBe(2 - 2);

    // Someone edits the file inside: the block differs, and up puts it back live, keeping their line.
    await p.inside(lxcName, '/bin/sh', '-c', 'printf "nameserver 1.1.1.1\\nsearch example.net\\n" > /etc/resolv.conf');
    const before = await p.initPid(lxcName);
    const drift = await p.locker('plan');
    expect(drift.exitCode, show(drift)).toBe(2);
    expect(drift.stdout).toMatch(/~ +set-dns +nameservers .*resolv\.conf has no Locker block \(live, no restart\)/);
    expect(drift.stdout).not.toMatch(/\|\| stop/);
    const fix = await p.locker('up', '--yes');
    expect(fix.exitCode, show(fix)).toBe(0);
    expect(await p.initPid(lxcName)).toBe(before);
    const text = await p.inside(lxcName, 'cat', '/etc/resolv.conf');
    expect(text).toContain(block);
    expect(text).toContain('search example.net');
    expect((await p.locker('plan')).exitCode).toBe(0);
  });

  it('refuses an unknown placeholder at its line and creates nothing', async () => {
    const p = project('dnsbad');
    p.spec(`web:\n${busybox('  dns: ["8.8.8.8", "$gateway"]\n')}`);
    const refused = await p.locker('up', '--yes');
    expect(refused.exitCode, show(refused)).not.toBe(0);
    expect(refused.stderr).toMatch(/^error\[SPEC_INVALID\] locker\.yml:5:20: unknown dns placeholder "\$gateway"$/m);
    expect(await p.list()).toEqual([]);
  });
});

describe('download', () => {
  it('fails at its create step with LXC\'s message and a hint when the image server is unreachable; the other container still comes up', async () => {
    const p = project('dl');
    p.spec(
      `offline:\n  download: {dist: ubuntu, release: trusty, arch: amd64, server: "127.0.0.1:1"}\n  bridge: ${lxc.bridge.name}\n` +
        `web:\n${busybox('')}`,
    );
    const planned = await p.locker('plan');
    expect(planned.stdout, show(planned)).toMatch(/\+ +create +download ubuntu trusty amd64 from 127\.0\.0\.1:1/);
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).not.toBe(0);
    const out = up.stderr + up.stdout;
    expect(out).toMatch(/offline create: error\[LXC_COMMAND_FAILED\] lxc-create failed for \S+_offline \(exit 1\): ERROR: Failed to download https:\/\/127\.0\.0\.1:1\//);
    const run = /locker show ([^\s;]+)/.exec(out)![1]!;
    const shown = await p.locker('show', run, '--json');
    expect(shown.stdout + shown.stderr).toMatch(/the download template fetches ubuntu trusty amd64 from 127\.0\.0\.1:1: check that this host reaches it/);
    // Nothing of the failed container is left; the independent container was created and started.
    expect(await p.list()).toEqual([`${p.name}_web`]);
    expect((await execa('lxc-info', ['-P', lxc.env.lxcpath, '-n', `${p.name}_web`, '-sH'])).stdout.trim()).toBe('RUNNING');
  });
});
