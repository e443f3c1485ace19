// Provision on real LXC (busybox, embedded): the list runs once over two `up`s, again after it changes and
// on --reprovision; output streams with the container's name and its tail is in the step's event; a failing
// command fails the step with its exit status (or its signal), status and plan say so, and `retry` finishes
// once what it checks exists. Shell syntax in a command runs inside the container, never on the host.

import { execa } from 'execa';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LxcEnv } from '../helpers/lxc-env.js';
import { loggedEvents, useBusyboxBench, writePromptInit } from '../helpers/busybox-bench.js';
import { runLocker, show } from '../helpers/run-locker.js';
import type { TestBridge } from '../helpers/test-bridge.js';

interface LoggedEvent {
  type: string;
  runId: string;
  actionId?: string;
  data: { kind?: string; output?: string; error?: { code: string; message: string } };
}

let env: LxcEnv;
let bridge: TestBridge;

const bench = useBusyboxBench();
beforeAll(() => void ({ env, bridge } = bench));

function project(tag: string) {
  const work = bench.newWork('locker-provision-');
  writePromptInit(work); // no rcS: no DHCP client to flush the address LXC configures (the test bridge has no DHCP server)
  const name = `${env.prefix}${tag}`;
  const write = (provision: string) =>
    writeFileSync(
      path.join(work, 'locker.yml'),
      `containers:\n  box:\n    template: busybox\n    bridge: ${bridge.name}\n    volumes: ["./init/prompt:/etc/inittab:ro"]\n    provision:\n${provision}`,
    );
  const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', name], { cwd: work });
  const events = () => loggedEvents<LoggedEvent>(work, name);
  const inside = async (...argv: string[]) =>
    execa('lxc-attach', ['-P', env.lxcpath, '-n', `${name}_box`, '--clear-env', '--', ...argv], { reject: false });
  const lines = async (file: string) => (await inside('cat', file)).stdout.split('\n').filter((l) => l !== '');
  const provisionEvents = (type: string) => events().filter((e) => e.type === type && e.data.kind === 'provision');
  const statusOf = async () => {
    const r = await locker('status', '--json');
    expect(r.exitCode, show(r)).toBe(0);
    return (JSON.parse(r.stdout) as { containers: Array<{ name: string; provision: string | null; state: string }> }).containers[0]!;
  };
  return { work, name, write, locker, events, inside, lines, provisionEvents, statusOf };
}

describe('provision', () => {
  it('runs once over two ups, again when the list changes and on --reprovision; shell syntax stays inside', async () => {
    const p = project('once');
    const hostMarks = [`/tmp/${p.name}-semicolon`, `/tmp/${p.name}-substitution`];
    p.write(
      [
        '      - echo run >> /root/provision.log',
        '      - run: echo "greeting=$GREETING"',
        '        env: {GREETING: "hello world"}',
        // The user's code may use any shell syntax: it all happens in the container's /tmp, not the host's.
        `      - "true; touch ${hostMarks[0]}; echo $(touch ${hostMarks[1]})"`,
      ].join('\n') + '\n',
    );
    const first = await p.locker('up', '--yes');
    expect(first.exitCode, show(first)).toBe(0);
    expect(first.stderr).toMatch(new RegExp(`^  ${p.name}_box \\| greeting=hello world$`, 'm'));
    expect(await p.lines('/root/provision.log')).toEqual(['run']);
    const done = p.provisionEvents('action.succeeded');
    expect(done).toHaveLength(1);
    expect(done[0]!.data.output).toContain('greeting=hello world');
    for (const mark of hostMarks) {
      expect(existsSync(mark), `${mark} must not exist on the host`).toBe(false);
      expect((await p.inside('test', '-e', mark)).exitCode, `${mark} inside the container`).toBe(0);
    }
    expect((await p.statusOf()).provision).toBe('done');

    const plan = await p.locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
    const second = await p.locker('up', '--yes');
    expect(second.exitCode, show(second)).toBe(0);
    expect(second.stdout).toMatch(/No changes/);
    expect(await p.lines('/root/provision.log')).toEqual(['run']);

    p.write(['      - echo run >> /root/provision.log', '      - run: echo "greeting=$GREETING"', '        env: {GREETING: "hi again"}'].join('\n') + '\n');
    const changed = await p.locker('plan');
    expect(changed.exitCode, show(changed)).toBe(2);
    expect(changed.stdout).toMatch(/~ provision\s+\(changed\) 2 commands/);
    const third = await p.locker('up', '--yes');
    expect(third.exitCode, show(third)).toBe(0);
    expect(third.stderr).toMatch(/\| greeting=hi again$/m);
    expect(await p.lines('/root/provision.log')).toEqual(['run', 'run']);

    const forced = await p.locker('up', '--yes', '--reprovision');
    expect(forced.exitCode, show(forced)).toBe(0);
    expect(forced.stdout).toMatch(/~ provision\s+forced by --reprovision: 2 commands/);
    expect(await p.lines('/root/provision.log')).toEqual(['run', 'run', 'run']);
    expect((await p.locker('up', '--yes')).stdout).toMatch(/No changes/);
  });

  it('a failing command fails the step with its exit status, then its signal; status and plan say so; retry finishes after the fix', async () => {
    const p = project('fail');
    p.write(
      [
        '      - echo before',
        '      - test -e /root/ready || exit 3',
        '      - test -e /root/ready2 || kill -KILL $$',
        '      - echo after >> /root/after.log',
      ].join('\n') + '\n',
    );
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(1);
    expect(up.stderr).toMatch(/provision: error\[PROVISION_FAILED\] provision command 2 of 4 \(test -e \/root\/ready \|\| exit 3\) exited with status 3/);
    expect(up.stderr).toMatch(/_box \| before$/m);
    const failed = p.provisionEvents('action.failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.data.error!.code).toBe('PROVISION_FAILED');
    expect(failed[0]!.data.output).toBe('before');
    const runId = failed[0]!.runId;

    expect((await p.statusOf()).provision).toBe('failed');
    expect((await p.locker('status')).stdout).toMatch(/RUNNING \(provision failed\)/);
    const plan = await p.locker('plan');
    expect(plan.exitCode, show(plan)).toBe(2);
    expect(plan.stdout).toMatch(/~ provision\s+provision failed: retry 4 commands/);
    const shown = await p.locker('show', runId);
    expect(shown.stdout).toMatch(/Output of .*\/box\/provision .*\n  \| before/);

    expect((await p.inside('touch', '/root/ready')).exitCode).toBe(0);
    const retry1 = await p.locker('retry', runId, '--yes');
    expect(retry1.exitCode, show(retry1)).toBe(1);
    expect(retry1.stderr).toMatch(/provision command 3 of 4 \(test -e \/root\/ready2 \|\| kill -KILL \$\$\) was killed by signal SIGKILL \(exit status 137\)/);

    expect((await p.inside('touch', '/root/ready2')).exitCode).toBe(0);
    const retry2 = await p.locker('retry', runId, '--yes');
    expect(retry2.exitCode, show(retry2)).toBe(0);
    expect(await p.lines('/root/after.log')).toEqual(['after']);
    expect((await p.statusOf()).provision).toBe('done');
    expect((await p.locker('plan')).exitCode).toBe(0);
  });
});
