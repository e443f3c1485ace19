import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockerError } from '../../src/errors.js';
import { acquireFileLock } from '../../src/lock/index.js';
import { breakStale } from '../../src/lock/lock-file.js';
import { rejection } from '../helpers/errors.js';
import { deadPid, killLiveProcesses, liveProcess } from '../helpers/processes.js';
import { until } from '../helpers/wait-until.js';

let dir: string;
let lockPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locker-lock-'));
  lockPath = join(dir, 'project.lock');
});

afterEach(async () => {
  killLiveProcesses();
  await rm(dir, { recursive: true, force: true });
});

async function writeHolder(path: string, holder: Record<string, unknown>): Promise<void> {
  await writeFile(path, `${JSON.stringify(holder)}\n`);
}

async function readHolder(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('acquireFileLock', () => {
  it('writes who holds the project and removes the file on release', async () => {
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    const holder = await readHolder(lockPath);
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname(), command: 'up' });
    expect(Number.isNaN(Date.parse(String(holder.since)))).toBe(false);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
    await lock.release(); // twice is harmless
  });

  it('refuses a project held by a live process, naming it, and leaves its lock alone', async () => {
    const pid = liveProcess();
    const holder = { pid, hostname: hostname(), command: 'up', since: '2026-03-02T09:00:00.000Z' };
    await writeHolder(lockPath, holder);
    const error = await rejection(acquireFileLock(lockPath, { command: 'down' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toBe(`project is locked by pid ${pid} (locker up) since 2026-03-02T09:00:00.000Z`);
    expect(error.hint).toBe('wait for it to finish, or run `locker unlock` if that process is stuck');
    expect(error.retryable).toBe(true);
    expect(await readHolder(lockPath)).toEqual(holder);
  });

  it('refuses a second acquire from the process that already holds it', async () => {
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    const error = await rejection(acquireFileLock(lockPath, { command: 'up' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(`pid ${process.pid}`);
    await lock.release();
  });

  it('takes over a lock whose holder is dead on this host, and names it', async () => {
    const dead = { pid: await deadPid(), hostname: hostname(), command: 'up', since: '2026-01-01T00:00:00.000Z' };
    await writeHolder(lockPath, dead);
    const lock = await acquireFileLock(lockPath, { command: 'down' });
    expect(lock.tookOver).toEqual({ holder: dead, reason: 'pid-gone' });
    expect(await readHolder(lockPath)).toMatchObject({ pid: process.pid, command: 'down' });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock that names this pid but was not taken by this process (an earlier boot)', async () => {
    await writeHolder(lockPath, { pid: process.pid, hostname: hostname(), command: 'up', since: '2025-01-01T00:00:00.000Z' });
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    expect((await readHolder(lockPath)).since).not.toBe('2025-01-01T00:00:00.000Z');
    await lock.release();
  });

  it('takes over a lock whose live pid is a younger process than the one that wrote it (pid reused)', async () => {
    const pid = liveProcess();
    await writeHolder(lockPath, { pid, hostname: hostname(), command: 'up', since: '2026-01-01T00:00:00.000Z', startTicks: 1 });
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    expect(lock.tookOver?.reason).toBe('pid-reused');
    await lock.release();
  });

  it('records what proves its holder dead later: machine id, boot id, start time', async () => {
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    const holder = await readHolder(lockPath);
    expect(holder.startTicks).toEqual(expect.any(Number));
    expect(holder.bootId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
    expect(lock.tookOver).toBeUndefined();
    await lock.release();
  });

  it('waits for a live holder and takes the lock once it is released, reporting the wait', async () => {
    const first = await acquireFileLock(lockPath, { command: 'up' });
    const notes: string[] = [];
    const second = acquireFileLock(lockPath, { command: 'down' }, { timeoutMs: 60_000, report: (n) => notes.push(n.phase) });
    await until('the second taker to start waiting', async () => (notes.includes('start') ? true : undefined));
    await first.release();
    const lock = await second;
    expect(await readHolder(lockPath)).toMatchObject({ command: 'down' });
    expect(notes[0]).toBe('start');
    expect(notes.at(-1)).toBe('end');
    await lock.release();
  });

  it('gives up after the timeout with LOCK_HELD, saying how to wait longer', async () => {
    const pid = liveProcess();
    await writeHolder(lockPath, { pid, hostname: hostname(), command: 'up', since: '2026-03-02T09:00:00.000Z' });
    const error = await rejection(acquireFileLock(lockPath, { command: 'down' }, { timeoutMs: 600 }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toMatch(new RegExp(`^project is locked by pid ${pid} \\(locker up\\) since 2026-03-02T09:00:00.000Z \\(waited 0.6 s\\)$`));
    expect(error.hint).toContain('--lock-timeout');
  });

  it('treats a holder on another host as alive, whatever its pid', async () => {
    await writeHolder(lockPath, { pid: await deadPid(), hostname: `not-${hostname()}`, command: 'up', since: '2026-01-01T00:00:00.000Z' });
    const error = await rejection(acquireFileLock(lockPath, { command: 'up' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toContain(`on not-${hostname()} (locker up)`);
  });

  it('lets exactly one of many concurrent takers have a stale lock', async () => {
    for (let round = 0; round < 10; round++) {
      await writeHolder(lockPath, { pid: await deadPid(), hostname: hostname(), command: 'up', since: `round ${round}` });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) => acquireFileLock(lockPath, { command: `taker ${i}` })),
      );
      const winners = results.filter((r) => r.status === 'fulfilled');
      const losers = results.filter((r) => r.status === 'rejected');
      expect(winners).toHaveLength(1);
      for (const loser of losers) expect((loser.reason as LockerError).code).toBe('LOCK_HELD');
      const winner = winners[0];
      if (winner?.status !== 'fulfilled') throw new Error('no winner');
      expect(winner.value.path).toBe(lockPath);
      expect(await readHolder(lockPath)).toMatchObject({ pid: process.pid });
      await winner.value.release();
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('a slow taker that judged an older lock stale never removes the lock taken since', async () => {
    const staleText = `${JSON.stringify({ pid: await deadPid(), hostname: hostname(), command: 'up', since: 'then' })}\n`;
    await writeFile(lockPath, staleText);
    const lock = await acquireFileLock(lockPath, { command: 'up' }); // the fast taker
    const fresh = await readFile(lockPath, 'utf8');
    await breakStale(lockPath, staleText); // the slow one acts on what it read before
    expect(await readFile(lockPath, 'utf8')).toBe(fresh);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('recovers from a taker that crashed in the middle of a takeover', async () => {
    const stale = { pid: await deadPid(), hostname: hostname(), command: 'up', since: '2026-01-01T00:00:00.000Z' };
    await writeHolder(lockPath, stale);
    // A claim left by a dead taker, named as breakStale names it: the digest of the stale text.
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(`${JSON.stringify(stale)}\n`).digest('hex').slice(0, 16);
    await writeHolder(`${lockPath}.break-${digest}`, { pid: await deadPid(), hostname: hostname(), since: stale.since });
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    expect(await readHolder(lockPath)).toMatchObject({ pid: process.pid });
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a lock file that names no holder rather than guessing', async () => {
    await writeFile(lockPath, 'garbage');
    const error = await rejection(acquireFileLock(lockPath, { command: 'up' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.hint).toContain(`remove ${lockPath}`);
    expect(await readFile(lockPath, 'utf8')).toBe('garbage');
  });

  it('release removes the file only while it still holds our pid', async () => {
    const lock = await acquireFileLock(lockPath, { command: 'up' });
    const other = { pid: liveProcess(), hostname: hostname(), command: 'up', since: '2026-03-02T10:00:00.000Z' };
    await writeHolder(lockPath, other); // removed by hand and taken by someone else meanwhile
    await lock.release();
    expect(await readHolder(lockPath)).toEqual(other);
  });
});
