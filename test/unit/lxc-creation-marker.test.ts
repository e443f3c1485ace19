// Whether a container's creation finished, from LXC's `partial` marker and the lock its lxc-create
// holds on it (read from /proc/locks): a locked marker is a creation at work, an unlocked one a creation
// cut short, no marker a finished one. `flock` stands in for lxc-create's lock.

import { execa, type ResultPromise } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { creationState, isLxcCreateOf, partialMarkerPath, waitForCreation } from '../../src/lxc/index.js';
import { until } from '../helpers/wait-until.js';
import { rejection } from '../helpers/errors.js';

let lxcpath: string;
let holder: ResultPromise | undefined;
const NAME = 'demo_web';
const marker = () => partialMarkerPath(lxcpath, NAME);

/** Holds a lock on the marker, as lxc-create does while it works (one process: --no-fork, killed by its pid). */
async function lockMarker(): Promise<void> {
  holder = execa('flock', ['--no-fork', marker(), 'sleep', '60'], { reject: false, stdin: 'ignore' });
  const deadline = Date.now() + 10_000;
  while ((await creationState(lxcpath, NAME)) !== 'ongoing') {
    if (Date.now() > deadline) throw new Error('flock did not take its lock');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeEach(() => {
  lxcpath = mkdtempSync(path.join(tmpdir(), 'locker-marker-'));
  mkdirSync(path.join(lxcpath, NAME));
});

afterEach(async () => {
  if (holder?.pid !== undefined && holder.exitCode === null) process.kill(holder.pid, 'SIGKILL');
  await holder;
  holder = undefined;
  rmSync(lxcpath, { recursive: true, force: true });
});

describe('creation marker', () => {
  it('no marker: finished', async () => {
    expect(await creationState(lxcpath, NAME)).toBe('finished');
  });

  it('a marker nobody locks: interrupted', async () => {
    writeFileSync(marker(), '');
    expect(await creationState(lxcpath, NAME)).toBe('interrupted');
    expect(await waitForCreation(lxcpath, NAME, 1_000)).toBe('interrupted');
  });

  it('a locked marker: ongoing, and waited for until the creation removes it', async () => {
    writeFileSync(marker(), '');
    await lockMarker();
    const waiting = waitForCreation(lxcpath, NAME, 30_000);
    // lxc-create removes the marker when it ends, then lets go of its lock.
    unlinkSync(marker());
    expect(await waiting).toBe('finished');
  });

  it('a creation that never ends is given up on, as retryable', async () => {
    writeFileSync(marker(), '');
    await lockMarker();
    const e = await rejection(waitForCreation(lxcpath, NAME, 300));
    expect([e.code, e.retryable]).toEqual(['HOST_PRECONDITION', true]);
    expect(e.message).toBe(`${NAME} is still being created by another lxc-create after 0.3 s`);
  });

  it('a marker not yet locked while its lxc-create runs (it creates, then locks): ongoing', async () => {
    writeFileSync(marker(), '');
    // A process whose argv is `lxc-create ... -P LXCPATH -n NAME`, as /proc shows lxc-create.
    const fake = execa('bash', ['-c', `exec -a lxc-create bash -c 'while :; do sleep 0.1; done' x -P ${lxcpath} -n ${NAME} -t busybox`], { reject: false, stdio: 'ignore' });
    try {
      await until('the stand-in lxc-create to show in /proc', async () => ((await creationState(lxcpath, NAME)) === 'ongoing' ? true : undefined), 10_000, 20);
      expect(await creationState(path.join(lxcpath, '.'), NAME)).toBe('ongoing');
    } finally {
      fake.kill('SIGKILL');
      await fake;
    }
    expect(await creationState(lxcpath, NAME)).toBe('interrupted');
  });
});

describe('isLxcCreateOf', () => {
  it.each([
    [['lxc-create', '-P', '/l', '-n', 'web', '-t', 'busybox'], true],
    [['/usr/bin/lxc-create', '-P', '/l/', '-n', 'web', '-t', 'busybox'], true],
    [['lxc-create', '-P', '/l', '-n', 'db', '-t', 'busybox'], false],
    [['lxc-create', '-P', '/other', '-n', 'web', '-t', 'busybox'], false],
    [['lxc-create', '-n', 'web', '-t', 'busybox'], false],
    [['lxc-create', '-P', '/x', '-n', 'db', '-t', 't', '--', '-P', '/l', '-n', 'web'], false],
    [['lxc-start', '-P', '/l', '-n', 'web'], false],
  ])('%j: %s', (argv, expected) => {
    expect(isLxcCreateOf(argv, '/l', 'web')).toBe(expected);
  });
});
