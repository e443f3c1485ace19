// The project lock from the CLI, on real LXC (embedded) and a real nats-server: a live holder makes
// the next command wait and then go on; `--lock-timeout 0` refuses at once; `locker unlock` asks,
// is refused without --yes when nobody can answer, and with --yes releases and records it.
// (A dead holder taken over at once after kill -9: fault-control-point.test.ts.)

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { execa as run, type ResultPromise } from 'execa';
import { killStartedLockers, runTracked, startLocker, type BackgroundLocker } from '../helpers/background-locker.js';
import { cleanUp } from '../helpers/clean-up.js';
import { releaseDhcpLeases } from '../helpers/dhcp-leases.js';
import { readLoggedEvents } from '../helpers/kill-on-event.js';
import { startLockHolder } from '../helpers/lock-holder-process.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { startNatsHosts, type NatsHosts } from '../helpers/nats-hosts.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import { LOCKER_BIN, show, type LockerResult } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const WAITING = /^waiting for the project lock held by pid (\d+) on (\S+) \(locker (\S+)\) since \S+: \d+ s left$/gm;

let env: LxcEnv;
let work: string;
const projects: string[] = [];
const holders: ResultPromise[] = [];

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = mkdtempSync(path.join(tmpdir(), 'locker-lock-'));
});

afterAll(async () => {
  await cleanUp([
    () => killStartedLockers(),
    async () => {
      for (const h of holders) {
        h.kill('SIGKILL');
        await h;
      }
    },
    async () => env && releaseDhcpLeases(env.lxcpath),
    async () => env?.destroyAll(),
    ...projects.map((p) => () => removeRulesTagged(ruleTag(p))),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

/** A template that makes a busybox container once `gate` exists: a run holds the lock until the test opens it. */
function gatedTemplate(dir: string, gate: string): string {
  const script = path.join(dir, 'gated-template');
  writeFileSync(script, `#!/bin/sh\nwhile [ ! -e '${gate}' ]; do sleep 0.1; done\nexec /usr/share/lxc/templates/lxc-busybox "$@"\n`, { mode: 0o755 });
  return script;
}

interface Project {
  name: string;
  dir: string;
  gate: string;
  logFile: string;
  locker(...args: string[]): Promise<LockerResult>;
  start(...args: string[]): BackgroundLocker;
}

function embeddedProject(label: string): Project {
  const name = `${env.prefix}${label}`;
  projects.push(name);
  const dir = path.join(work, name);
  mkdirSync(dir, { recursive: true });
  const gate = path.join(dir, 'gate');
  writeFileSync(path.join(dir, 'locker.yml'), `containers:\n  a:\n    template: ${gatedTemplate(dir, gate)}\n`);
  const argv = (args: string[]) => [...args, '-P', env.lxcpath, '-p', name];
  return {
    name,
    dir,
    gate,
    logFile: path.join(dir, '.locker', name, 'events.jsonl'),
    locker: (...args) => runTracked(argv(args), { cwd: dir }),
    start: (...args) => startLocker(argv(args), { cwd: dir }),
  };
}

// A live holder that is not a run: a process holding the project lock file, as `locker up` writes it.
const FILE_HOLDER = `
import { acquireFileLock } from './dist/src/lock/file-lock.js';
await acquireFileLock(process.argv[1], { command: 'up' });
process.stdout.write('held\\n');
setInterval(() => {}, 60_000);
`;

async function holdFileLock(p: Project): Promise<number> {
  const { pid, child } = await startLockHolder(FILE_HOLDER, [path.join(p.dir, '.locker', p.name, 'apply.lock')]);
  holders.push(child);
  return pid;
}

/** `locker ARGS` on a terminal (a pty), answering `answer` to its question. */
async function onTerminal(cwd: string, answer: string, args: string[]): Promise<LockerResult> {
  const pty = 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)';
  const r = await run('python3', ['-c', pty, process.execPath, LOCKER_BIN, ...args], { cwd, input: `${answer}\n`, reject: false, timeout: 60_000 });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

const typesOf = (events: LockerEvent[]) => events.map((e) => e.type);

describe('embedded', () => {
  it('a live holder makes the next command wait, then go on once it finished; --lock-timeout 0 refuses at once', async () => {
    const p = embeddedProject('w');
    const first = p.start('up', '--yes');
    await until('up to run the gated template', async () =>
      readLoggedEvents(p.logFile).some((e) => e.type === 'action.started' && e.data.kind === 'create') ? true : undefined,
    );

    const refused = await p.locker('down', '--yes', '--lock-timeout', '0');
    expect(refused.exitCode, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^error\\[LOCK_HELD\\] project is locked by pid ${first.pid} \\(locker up\\) since \\S+$`, 'm'));
    expect(refused.stderr).not.toMatch(WAITING);

    // A run writing the event log is at work: unlock does not take its lock away.
    const unlock = await p.locker('unlock', '--yes');
    expect(unlock.exitCode, show(unlock)).toBe(1);
    expect(unlock.stderr).toMatch(new RegExp(`error\\[LOCK_HELD\\] not unlocking: the event log is being written by pid ${first.pid} `));
    expect(existsSync(path.join(p.dir, '.locker', p.name, 'apply.lock'))).toBe(true);

    const second = p.start('down', '--yes', '--lock-timeout', '600');
    await until('down to wait for the lock', async () => (second.output().match(WAITING) ? true : undefined));
    expect(second.running()).toBe(true);
    writeFileSync(p.gate, '');
    const [up, down] = [await first.result, await second.result];
    expect(up.exitCode, show(up)).toBe(0);
    expect(down.exitCode, show(down)).toBe(0);
    // Without a terminal: one line when waiting starts, not a countdown per second.
    const lines = [...down.stderr.matchAll(WAITING)];
    expect(lines).toHaveLength(1);
    expect(lines[0]!.slice(1)).toEqual([String(first.pid), hostname(), 'up']);
    // down planned after up had finished: up's run ends before down's starts, and down destroyed what up made.
    const events = readLoggedEvents(p.logFile);
    const runs = events.filter((e) => e.type === 'run.started' || e.type === 'run.finished');
    expect(runs.map((e) => [e.type, e.type === 'run.started' ? e.data.command : e.data.outcome])).toEqual([
      ['run.started', 'locker up'],
      ['run.finished', 'succeeded'],
      ['run.started', 'locker down'],
      ['run.finished', 'succeeded'],
    ]);
    expect(events.some((e) => e.type === 'action.succeeded' && e.data.kind === 'destroy')).toBe(true);
    expect((await env.lxc('lxc-ls', ['-1'])).stdout).not.toContain(`${p.name}_a`);
  });

  it('unlock shows a live holder and asks; without a terminal it needs --yes; --yes releases and records it', async () => {
    const p = embeddedProject('u');
    const pid = await holdFileLock(p);
    const lockFile = path.join(p.dir, '.locker', p.name, 'apply.lock');
    const argv = ['unlock', '-P', env.lxcpath, '-p', p.name];

    const asked = await onTerminal(p.dir, 'no', argv);
    expect(asked.exitCode, show(asked)).toBe(1);
    expect(asked.stdout).toContain(`The lock of project ${p.name} is held by pid ${pid} on ${hostname()} (locker up) since `);
    expect(asked.stdout).toContain("Release it? Only 'yes' will be accepted: ");
    expect(asked.stdout).toContain('Cancelled: the lock was not released.');
    expect(JSON.parse(readFileSync(lockFile, 'utf8'))).toMatchObject({ pid });

    const refused = await p.locker('unlock');
    expect(refused.exitCode, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(/^error\[CONFIRMATION_REQUIRED\] refusing to unlock without confirmation: stdin is not a terminal$/m);
    expect(refused.stderr).toMatch(new RegExp(`^hint: pass --yes to release the lock held by pid ${pid} on `, 'm'));
    expect(existsSync(lockFile)).toBe(true);

    const released = await p.locker('unlock', '--yes');
    expect(released.exitCode, show(released)).toBe(0);
    expect(released.stdout).toContain(`Released the lock of project ${p.name} (was held by pid ${pid} `);
    expect(existsSync(lockFile)).toBe(false);
    const events = readLoggedEvents(p.logFile);
    expect(events.at(-1)).toMatchObject({ type: 'lock.unlocked', data: { holder: { pid, hostname: hostname(), command: 'up' }, where: lockFile } });
    // The folds take the new event in their stride.
    const runs = await p.locker('runs');
    expect(runs.exitCode, show(runs)).toBe(0);
    const again = await p.locker('unlock', '--yes');
    expect(again.stdout).toContain('is free: nothing to do');
    expect(typesOf(readLoggedEvents(p.logFile))).toEqual(['lock.unlocked']);
  });
});

describe('NATS', () => {
  let t: NatsHosts;

  beforeAll(async () => {
    t = await startNatsHosts(['n1']);
    t.startAgent('n1');
  });

  afterAll(async () => {
    await t?.cleanUp();
  });

  it('unlock of a live run asks; without a terminal it needs --yes; --yes releases the key and records it', async () => {
    const gate = path.join(t.work, 'gate');
    t.writeSpec(`containers:\n  a:\n    host: n1\n    template: ${gatedTemplate(t.work, gate)}\n`);
    await t.waitAgents(['n1'], true);
    const up = t.controlInBackground('up', '--yes');
    const events = () => readNatsEvents(t.server.url, path.join(t.work, 'nats', 'control.creds'), t.project);
    await until('up to run the gated template', async () => ((await events()).some((e) => e.type === 'action.started') ? true : undefined));

    const refused = await t.control('unlock');
    expect(refused.exitCode, show(refused)).toBe(1);
    expect(refused.stderr).toMatch(/^error\[CONFIRMATION_REQUIRED\] refusing to unlock without confirmation/m);
    expect(refused.stdout).toContain(`is held by pid ${up.pid} on ${hostname()} (locker up) since `);

    const timedOut = await t.control('up', '--yes', '--lock-timeout', '0');
    expect(timedOut.stderr).toMatch(new RegExp(`^error\\[LOCK_HELD\\] project is locked by pid ${up.pid} on `, 'm'));

    const released = await t.control('unlock', '--yes');
    expect(released.exitCode, show(released)).toBe(0);
    expect(released.stdout).toContain(`Released the lock of project ${t.project} (was held by pid ${up.pid} `);
    expect((await events()).filter((e) => e.type === 'lock.unlocked')).toMatchObject([
      { data: { holder: { pid: up.pid, command: 'up' }, where: `locker_locks/${t.project}` } },
    ]);
    const free = await t.control('unlock', '--yes');
    expect(free.stdout).toContain('is free: nothing to do');

    writeFileSync(gate, '');
    expect((await up.result).exitCode).toBe(0);
    const runs = await t.control('runs');
    expect(runs.exitCode, show(runs)).toBe(0);
    expect((await t.control('down', '--yes')).exitCode).toBe(0);
  });
});
