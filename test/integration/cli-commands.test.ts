// Locker's own commands on real LXC: each is a plan limited to what it means, applied like up.
// create, start, ports, rmports, stop, rm, naming containers, and one apply at a time per project.

import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForwards, removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
let work: string;
let project: string;
const port = 40000 + Math.floor(Math.random() * 10000);

const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });

async function states(): Promise<Record<string, string>> {
  const out = (await execa('lxc-ls', ['-P', env.lxcpath, '-f', '-F', 'NAME,STATE'])).stdout;
  return Object.fromEntries(
    out
      .split('\n')
      .slice(1)
      .filter((l) => l.trim() !== '')
      .map((l) => l.trim().split(/\s+/) as [string, string])
      .map(([name, state]) => [name.slice(project.length + 1), state]),
  );
}

async function forwarded(): Promise<string[]> {
  return (await readForwards()).filter((f) => f.project === project).map((f) => `${f.container}:${f.hostPort}`).sort();
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  work = mkdtempSync(path.join(tmpdir(), 'locker-cmds-'));
  writeFileSync(
    path.join(work, 'locker.yml'),
    `origin:\n  template: busybox\n  ports: ["${port}:80"]\ncopy:\n  clone: origin\n  snapshot: true\n  ports: ["${port + 1}:80"]\nsolo:\n  template: busybox\n`,
  );
});

afterAll(async () => {
  await env?.destroyAll();
  if (project) await removeRulesTagged(ruleTag(project));
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('locker commands', () => {
  it('create CONTAINER makes it and what it clones from, stopped', async () => {
    const r = await locker('create', 'copy', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await states()).toEqual({ origin: 'STOPPED', copy: 'STOPPED' });
  });

  it('start starts existing containers and forwards their ports; a missing one is an error', async () => {
    const missing = await locker('start', 'solo', '--yes');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^error\[HOST_PRECONDITION\] .*solo/);
    const r = await locker('start', '--yes', 'origin', 'copy');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await states()).toEqual({ origin: 'RUNNING', copy: 'RUNNING' });
    expect(await forwarded()).toEqual([`copy:${port + 1}`, `origin:${port}`]);
  });

  it('rmports removes forwarding only; ports brings it back', async () => {
    const r = await locker('rmports', 'copy', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await forwarded()).toEqual([`origin:${port}`]);
    expect(await states()).toEqual({ origin: 'RUNNING', copy: 'RUNNING' });
    const back = await locker('ports', '--yes');
    expect(back.exitCode, show(back)).toBe(0);
    expect(await forwarded()).toEqual([`copy:${port + 1}`, `origin:${port}`]);
  });

  it('stop unforwards and stops; nothing to do the second time', async () => {
    const r = await locker('stop', 'copy', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await states()).toEqual({ origin: 'RUNNING', copy: 'STOPPED' });
    expect(await forwarded()).toEqual([`origin:${port}`]);
    const again = await locker('stop', 'copy', '--yes', '--json');
    expect(again.exitCode, show(again)).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'unchanged' });
  });

  it('rm of an origin whose snapshot clone stays is refused, touching nothing', async () => {
    const r = await locker('rm', 'origin', '--yes');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error\[HOST_PRECONDITION\] .*copy/);
    expect(await states()).toEqual({ origin: 'RUNNING', copy: 'STOPPED' });
  });

  it('two concurrent applies on one project with --lock-timeout 0: one wins, the other gets the lock error', async () => {
    const [a, b] = await Promise.all([locker('up', '--yes', '--lock-timeout', '0'), locker('up', '--yes', '--lock-timeout', '0')]);
    const codes = [a.exitCode, b.exitCode].sort();
    expect(codes, `${show(a)}\n${show(b)}`).toEqual([0, 1]);
    const loser = a.exitCode === 1 ? a : b;
    // The loser may first warn about the winner's run, which it sees unfinished while planning.
    expect(loser.stderr).toMatch(/^error\[LOCK_HELD\] project is locked by pid \d+ \(locker up\) since /m);
    expect(await states()).toEqual({ origin: 'RUNNING', copy: 'RUNNING', solo: 'RUNNING' });
    const plan = await locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });

  it('rm removes named containers; clones before their origins', async () => {
    const r = await locker('rm', '--yes', 'origin', 'copy');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await states()).toEqual({ solo: 'RUNNING' });
    expect(await forwarded()).toEqual([]);
    const down = await locker('down', '--yes');
    expect(down.exitCode, show(down)).toBe(0);
    expect(await states()).toEqual({});
  });
});
