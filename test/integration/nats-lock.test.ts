// The project lock in NATS KV on a real nats-server: one holder at a time, named when refused,
// kept alive by refreshes, and freed by the bucket's TTL when its holder is killed.
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ResultPromise } from 'execa';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireKvLock, type HeldLock } from '../../src/lock/index.js';
import { LOCKS_BUCKET, LOCK_LEASE_MS, connectNats, ensureNatsResources } from '../../src/nats/index.js';
import { rejection } from '../helpers/errors.js';
import { startLockHolder } from '../helpers/lock-holder-process.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';

let server: NatsServer;
let nc: NatsConnection;
const held: HeldLock[] = [];
const children: ResultPromise[] = [];

// A holder in its own process, from the build the tests run against (test/global-setup.ts).
const HOLDER = `
import { connectNats } from './dist/src/nats/connect.js';
import { acquireKvLock } from './dist/src/lock/kv-lock.js';
const [url, project] = process.argv.slice(1);
const nc = await connectNats({ url, name: 'lock holder' });
await acquireKvLock(nc, project, { command: 'up web' });
process.stdout.write('held\\n');
setInterval(() => {}, 60_000);
`;

async function startHolder(project: string): Promise<number> {
  const { pid, child } = await startLockHolder(HOLDER, [server.url, project]);
  children.push(child);
  return pid;
}

async function acquire(project: string, command = 'up'): Promise<HeldLock> {
  const lock = await acquireKvLock(nc, project, { command });
  held.push(lock);
  return lock;
}

const pause = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'test lock' });
  await ensureNatsResources(nc, []);
});

afterEach(async () => {
  for (const lock of held.splice(0)) await lock.release();
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await child;
  }
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe('acquireKvLock', () => {
  it('refuses a second holder, naming the first', async () => {
    await acquire('shop', 'up web');
    const error = await rejection(acquireKvLock(nc, 'shop', { command: 'down' }));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(new RegExp(`^project is locked by pid ${process.pid} on ${hostname()} \\(locker up web\\) since \\d{4}-`));
    expect(error.hint).toMatch(/expires 15 s after its last refresh/);
  });

  it('can be taken again once released, and releasing twice is harmless', async () => {
    const first = await acquire('release');
    await first.release();
    await first.release();
    const second = await acquire('release');
    expect(second.path).toBe(`${LOCKS_BUCKET}/release`);
  });

  it('locks each project on its own', async () => {
    await acquire('one');
    await acquire('two');
    expect((await rejection(acquireKvLock(nc, 'one', { command: 'up' }))).code).toBe('LOCK_HELD');
  });

  it('never deletes a lock that another holder took after its lease ran out', async () => {
    const stale = await acquire('taken-over');
    // What the TTL does to a holder that stopped refreshing: its key disappears.
    await (await new Kvm(nc).open(LOCKS_BUCKET)).purge('taken-over');
    const fresh = await acquire('taken-over', 'up db');
    await stale.release();
    const error = await rejection(acquireKvLock(nc, 'taken-over', { command: 'down' }));
    expect(error.message).toMatch(/\(locker up db\)/);
    await fresh.release();
    await acquire('taken-over');
  });

  it('outlives its lease while the holder lives, and is taken over at once once the holder is killed', async () => {
    const pid = await startHolder('killed');
    const namesChild = new RegExp(`^project is locked by pid ${pid} on ${hostname()} \\(locker up web\\)`);
    // Refreshes keep it: a whole lease later, it is still held.
    await pause(LOCK_LEASE_MS + 2000);
    expect((await rejection(acquireKvLock(nc, 'killed', { command: 'up' }))).message).toMatch(namesChild);

    process.kill(pid, 'SIGKILL');
    await children.at(-1);
    // Dead on this machine, lease not run out: taken over at once, naming the dead holder.
    const lock = await acquire('killed');
    expect(lock.tookOver).toMatchObject({ holder: { pid, hostname: hostname(), command: 'up web' }, reason: 'pid-gone' });
    const kv = await new Kvm(nc).open(LOCKS_BUCKET);
    expect(JSON.parse((await kv.get('killed'))!.string())).toMatchObject({ pid: process.pid, command: 'up' });
  });

  it('waits out the lease of a holder on another machine, then takes the lock', async () => {
    const kv = await new Kvm(nc).open(LOCKS_BUCKET);
    const elsewhere = { pid: 1, hostname: `not-${hostname()}`, since: '2026-03-02T09:00:00.000Z', command: 'up' };
    await kv.create('elsewhere', JSON.stringify(elsewhere));
    expect((await rejection(acquireKvLock(nc, 'elsewhere', { command: 'up' }))).message).toMatch(`on not-${hostname()}`);
    const seen: Array<number | undefined> = [];
    const lock = await acquireKvLock(nc, 'elsewhere', { command: 'down' }, { timeoutMs: 3 * LOCK_LEASE_MS, report: (n) => seen.push(n.holder?.pid) });
    held.push(lock);
    expect(lock.tookOver).toBeUndefined();
    expect(seen[0]).toBe(1);
  });
});
