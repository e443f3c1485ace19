// `locker exec`, `freeze` / `unfreeze` and frozen drift on real LXC (busybox, one embedded host): exit statuses
// passed through (a signal death as 128+N), output passed through, a clean environment; FROZEN in status,
// a container frozen by hand planned as `~ unfreeze`, and stop/down of a frozen container still clean.

import { execa } from 'execa';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useBusyboxBench, writePromptInit } from '../helpers/busybox-bench.js';
import { LOCKER_BIN, runLocker, show } from '../helpers/run-locker.js';

interface LoggedEvent {
  type: string;
  runId?: string;
  actionId?: string;
  data: Record<string, unknown>;
}

const bench = useBusyboxBench();

/** A project of its own (`<prefix><tag>`) with busybox containers `names`, brought up. */
async function project(tag: string, names: string[], extra = '') {
  const { env, bridge } = bench;
  const work = bench.newWork('locker-exec-');
  writePromptInit(work);
  const containers = names.map(
    (n) => `  ${n}:\n    template: busybox\n    bridge: ${bridge.name}\n    volumes: ["./init/prompt:/etc/inittab:ro"]\n${extra}`,
  );
  writeFileSync(path.join(work, 'locker.yml'), `containers:\n${containers.join('')}`);
  const name = `${env.prefix}${tag}`;
  // Locker's options first: after `exec CONTAINER` every word is the command's.
  const own = ['-P', env.lxcpath, '-p', name];
  const locker = (...args: string[]) => runLocker([...own, ...args], { cwd: work, env: { SECRET_OF_THE_HOST: 'leaked' } });
  const log = path.join(work, '.locker', name, 'events.jsonl');
  const events = (): LoggedEvent[] =>
    readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LoggedEvent);
  const state = async (short: string) => (await execa('lxc-info', ['-P', env.lxcpath, '-n', `${name}_${short}`, '-sH'], { reject: false })).stdout.trim();
  const lxc = (tool: string, short: string) => execa(tool, ['-P', env.lxcpath, '-n', `${name}_${short}`]);
  const up = await locker('up', '--yes');
  expect(up.exitCode, show(up)).toBe(0);
  return { name, work, own, log, locker, events, state, lxc };
}

describe('locker exec', () => {
  it('passes the exit status, the output and a death by signal through, in a clean environment', async () => {
    const p = await project('x', ['web']);

    const three = await p.locker('exec', 'web', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3');
    expect(three.exitCode, show(three)).toBe(3);
    expect(three.stdout).toBe('to-out');
    expect(three.stderr.trim()).toBe('to-err');

    // Without `--`, the command's own options are its own, not Locker's.
    const ok = await p.locker('exec', 'web', 'ls', '-d', '/etc');
    expect(ok.exitCode, show(ok)).toBe(0);
    expect(ok.stdout).toBe('/etc');

    const killed = await p.locker('exec', 'web', 'sh', '-c', 'kill -9 $$');
    expect(killed.exitCode, show(killed)).toBe(128 + 9);

    // Nothing of the caller's environment gets in: LXC sets PATH and container=lxc, nothing else.
    const envInside = await p.locker('exec', 'web', 'env');
    expect(envInside.exitCode, show(envInside)).toBe(0);
    expect(envInside.stdout.split('\n').map((l) => l.split('=')[0]).sort()).toEqual(['PATH', 'container']);

    // Output is bytes, passed on as they come: bytes that are not UTF-8 arrive unchanged.
    const binary = await execa(process.execPath, [LOCKER_BIN, ...p.own, 'exec', 'web', 'printf', '\\377\\000\\001'], {
      cwd: p.work,
      reject: false,
      stdin: 'ignore',
      encoding: 'buffer',
    });
    expect(binary.exitCode).toBe(0);
    expect([...binary.stdout]).toEqual([0xff, 0x00, 0x01]);

    const exec = p.events().filter((e) => e.type === 'exec.finished');
    expect(exec.map((e) => [e.data.container, e.data.argv, e.data.exitCode])).toEqual([
      ['web', ['sh', '-c', 'echo to-out; echo to-err >&2; exit 3'], 3],
      ['web', ['ls', '-d', '/etc'], 0],
      ['web', ['sh', '-c', 'kill -9 $$'], 137],
      ['web', ['env'], 0],
      ['web', ['printf', '\\377\\000\\001'], 0],
    ]);
    const printed = await p.locker('exec', 'web', 'sh', '-c', 'echo $((40 + 2))-printed');
    expect(printed.stdout).toBe('42-printed');
    expect(readFileSync(p.log, 'utf8')).not.toContain('42-printed');
  });

  it('refuses an unknown container with a suggestion, and a stopped or frozen one, with exit 125', async () => {
    const p = await project('n', ['web']);
    const unknown = await p.locker('exec', 'wbe', 'true');
    expect(unknown.exitCode, show(unknown)).toBe(125);
    expect(unknown.stderr).toMatch(/^error\[CONTAINER_NOT_FOUND\] no container named wbe in locker\.yml\nhint: did you mean "web"\?/m);

    await p.lxc('lxc-freeze', 'web');
    const frozen = await p.locker('exec', 'web', 'true');
    expect(frozen.exitCode, show(frozen)).toBe(125);
    expect(frozen.stderr).toMatch(/error\[CONTAINER_NOT_RUNNING\] container web is FROZEN on host local\nhint: thaw it first: locker unfreeze web/);

    await p.lxc('lxc-unfreeze', 'web');
    const stop = await p.locker('stop', '--yes', '-t', '0');
    expect(stop.exitCode, show(stop)).toBe(0);
    const stopped = await p.locker('exec', 'web', 'true');
    expect(stopped.exitCode, show(stopped)).toBe(125);
    expect(stopped.stderr).toMatch(/error\[CONTAINER_NOT_RUNNING\] container web is STOPPED on host local\nhint: start it first: locker start web/);

    const empty = await p.locker('exec', 'web');
    expect(empty.exitCode, show(empty)).toBe(125);
    expect(empty.stderr).toMatch(/error\[USAGE\] the command to run in web is empty/);
  });
});

describe('freeze and unfreeze', () => {
  it('freeze, status FROZEN, unfreeze; frozen by hand is `~ unfreeze` drift that up thaws', async () => {
    const p = await project('f', ['a', 'b']);

    const freeze = await p.locker('freeze', '--yes', 'a');
    expect(freeze.exitCode, show(freeze)).toBe(0);
    expect(freeze.stdout).toMatch(/~ freeze\s+container is RUNNING\s+.*\(requested\)/);
    expect(await p.state('a')).toBe('FROZEN');
    expect(await p.state('b')).toBe('RUNNING');
    const status = await p.locker('status', '--json');
    const rows = (JSON.parse(status.stdout) as { containers: Array<{ name: string; state: string }> }).containers;
    expect(rows.map((r) => [r.name, r.state])).toEqual([['a', 'FROZEN'], ['b', 'RUNNING']]);
    expect((await p.locker('status')).stdout).toMatch(new RegExp(`${p.name}_a\\s+local\\s+FROZEN`));

    // Frozen again: nothing to do.
    const again = await p.locker('freeze', '--yes', 'a');
    expect(again.exitCode, show(again)).toBe(0);
    expect(again.stdout).toMatch(/^No changes/);

    const unfreeze = await p.locker('unfreeze', '--yes');
    expect(unfreeze.exitCode, show(unfreeze)).toBe(0);
    expect(await p.state('a')).toBe('RUNNING');
    const runs = p.events().filter((e) => e.type === 'action.succeeded').map((e) => [e.actionId, e.data.kind, e.data.outcome]);
    expect(runs).toContainEqual(['local/a/freeze', 'freeze', 'done']);
    expect(runs).toContainEqual(['local/a/unfreeze', 'unfreeze', 'done']);

    // By hand, outside Locker: the spec wants it running.
    await p.lxc('lxc-freeze', 'b');
    const plan = await p.locker('plan');
    expect(plan.exitCode, show(plan)).toBe(2);
    expect(plan.stdout).toMatch(new RegExp(`${p.name}_b on local\\n\\s+~ unfreeze\\s+container is FROZEN\\s+.*\\(drifted\\)`));
    expect(plan.stdout).not.toMatch(/> start/);
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    expect(await p.state('b')).toBe('RUNNING');
    const after = await p.locker('plan');
    expect(after.exitCode, show(after)).toBe(0);
  });

  it('a stopped container named to freeze is an error; stop and down of a frozen one thaw it and stop it cleanly', async () => {
    // A long stop_timeout: a frozen init would never hear the clean request, and the stop would end in a kill.
    const p = await project('s', ['a', 'b'], '    stop_timeout: 30\n');
    const stop = await p.locker('stop', '--yes', 'b');
    expect(stop.exitCode, show(stop)).toBe(0);

    const refused = await p.locker('freeze', '--yes', 'b');
    expect(refused.exitCode, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(/error\[HOST_PRECONDITION\] locker\.yml:\d+:\d+: cannot freeze b: it is STOPPED\n(.*\n)?hint: only a running container can be frozen: locker start b/);
    // Without names, what is not running is left alone.
    const all = await p.locker('freeze', '--yes');
    expect(all.exitCode, show(all)).toBe(0);
    expect(await p.state('a')).toBe('FROZEN');
    expect(await p.state('b')).toBe('STOPPED');

    const stopFrozen = await p.locker('stop', '--yes', 'a');
    expect(stopFrozen.exitCode, show(stopFrozen)).toBe(0);
    expect(stopFrozen.stdout).toMatch(/~\s+unfreeze\s+container is FROZEN[^\n]*\n\s+\|\| stop/);
    expect(stopFrozen.stderr).not.toMatch(/killed/);
    expect(await p.state('a')).toBe('STOPPED');

    const start = await p.locker('start', '--yes');
    expect(start.exitCode, show(start)).toBe(0);
    await p.lxc('lxc-freeze', 'a');
    const down = await p.locker('down', '--yes');
    expect(down.exitCode, show(down)).toBe(0);
    expect(down.stderr).not.toMatch(/killed/);
    expect(await p.state('a')).toBe('');
  });
});
