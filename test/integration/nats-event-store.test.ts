// The JetStream event store on a real nats-server: the file store's contract (stamped, gapless,
// durable, strictly parsed), with several writers, and across a kill -9 of the server.
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  foldRuns,
  openFileEventStore,
  openJetStreamEventStore,
  parseEventLog,
  type EventStore,
  type LockerEvent,
  type NewEvent,
} from '../../src/events/index.js';
import { connectNats, ensureNatsResources, eventSubject } from '../../src/nats/index.js';
import { rejection } from '../helpers/errors.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';

let server: NatsServer;
let nc: NatsConnection;
const opened: EventStore[] = [];
const connections: NatsConnection[] = [];
let projects = 0;

/** Each test writes its own project's subject, so no test sees another's events. */
function newProject(): string {
  projects += 1;
  return `shop-${projects}`;
}

async function openStore(project: string, now?: () => Date, on = nc): Promise<EventStore> {
  const store = await openJetStreamEventStore(on, project, now ? { now } : {});
  opened.push(store);
  return store;
}

function planCreated(project: string, tag: string): NewEvent {
  return { project, type: 'plan.created', planId: `plan-${tag}`, data: { mode: 'up', actions: 1, specDigest: tag } };
}

const planIds = (events: LockerEvent[]) => events.map((e) => [e.seq, e.type === 'plan.created' ? e.planId : e.type]);

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connectNats({ url: server.url, name: 'test event store' });
  await ensureNatsResources(nc, []);
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const c of connections.splice(0)) await c.close();
});

afterAll(async () => {
  await nc?.close();
  await server?.stop();
});

describe('JetStream event store', () => {
  it('reads back what it appended, stamped with version, sequence and time', async () => {
    const project = newProject();
    const store = await openStore(project, () => new Date('2026-03-02T09:00:00.000Z'));
    expect(await store.readAll()).toEqual([]);
    const first = await store.append([planCreated(project, 'a')]);
    const second = await store.append([planCreated(project, 'b')]);
    expect(first).toEqual([{ v: 1, seq: 1, ts: '2026-03-02T09:00:00.000Z', ...planCreated(project, 'a') }]);
    expect(second.map((e) => e.seq)).toEqual([2]);
    expect(await store.readAll()).toEqual([...first, ...second]);
  });

  it('continues the sequence across a close and a reopen', async () => {
    const project = newProject();
    const before = await openStore(project);
    await before.append([planCreated(project, 'a'), planCreated(project, 'b')]);
    await before.close();
    const after = await openStore(project);
    expect((await after.append([planCreated(project, 'c')])).map((e) => e.seq)).toEqual([3]);
    expect(planIds(await after.readAll())).toEqual([
      [1, 'plan-a'],
      [2, 'plan-b'],
      [3, 'plan-c'],
    ]);
  });

  it('stores a group of events in one append, in order, with one timestamp', async () => {
    const project = newProject();
    const store = await openStore(project);
    const group = Array.from({ length: 25 }, (_, i) => planCreated(project, `g${i}`));
    const stored = await store.append(group);
    expect(stored.map((e) => e.seq)).toEqual(group.map((_, i) => i + 1));
    expect(new Set(stored.map((e) => e.ts)).size).toBe(1);
    const other = await openStore(project);
    expect(await other.readAll()).toEqual(stored);
  });

  it('keeps one project\'s log apart from another\'s', async () => {
    const [one, two] = [newProject(), newProject()];
    await (await openStore(one)).append([planCreated(one, 'x')]);
    await (await openStore(two)).append([planCreated(two, 'y'), planCreated(two, 'z')]);
    expect(planIds(await (await openStore(one)).readAll())).toEqual([[1, 'plan-x']]);
    expect(planIds(await (await openStore(two)).readAll())).toEqual([[1, 'plan-y'], [2, 'plan-z']]);
  });

  it('refuses an event of another project, and an invalid event, storing nothing', async () => {
    const project = newProject();
    const store = await openStore(project);
    const foreign = await rejection(store.append([planCreated(project, 'ok'), planCreated('elsewhere', 'no')]));
    expect(foreign.code).toBe('INTERNAL');
    const invalid = await rejection(store.append([planCreated(project, 'ok'), { ...planCreated(project, 'bad'), data: {} } as unknown as NewEvent]));
    expect(invalid.message).toMatch(/refusing to append an invalid plan.created event/);
    expect(await store.readAll()).toEqual([]);
  });

  it('orders concurrent writers into one gapless sequence, losing nothing', async () => {
    const project = newProject();
    const writers = await Promise.all([0, 1, 2].map(async () => openStore(project, undefined, await connectExtra())));
    await Promise.all(
      writers.map(async (w, i) => {
        for (let n = 0; n < 10; n++) await w.append([planCreated(project, `w${i}-${n}a`), planCreated(project, `w${i}-${n}b`)]);
      }),
    );
    const all = await (await openStore(project)).readAll();
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    const ids = all.map((e) => (e.type === 'plan.created' ? e.planId : ''));
    expect(new Set(ids).size).toBe(60);
    // Each writer's own events keep their order.
    for (const i of [0, 1, 2]) {
      const own = ids.filter((id) => id.startsWith(`plan-w${i}-`));
      expect(own).toEqual(Array.from({ length: 10 }, (_, n) => [`plan-w${i}-${n}a`, `plan-w${i}-${n}b`]).flat());
    }
  });

  it('folds to the same runs as the file store holding the same events', async () => {
    const recorded = parseEventLog(readFileSync(join(import.meta.dirname, '../fixtures/events/three-runs.jsonl'), 'utf8'));
    // The fixture's project is "shop": only this test writes it.
    const dir = mkdtempSync(join(tmpdir(), 'locker-events-'));
    try {
      // Both stores stamp each event with the time it was recorded at.
      let now = '';
      const fileStore = await openFileEventStore(dir, 'shop', { now: () => new Date(now) });
      const natsStore = await openStore('shop', () => new Date(now));
      for (const { v: _v, seq: _seq, ts, ...event } of recorded) {
        now = ts;
        await fileStore.append([event as NewEvent]);
        await natsStore.append([event as NewEvent]);
      }
      const fromFile = await fileStore.readAll();
      const fromNats = await (await openStore('shop')).readAll();
      await fileStore.close();
      expect(fromNats).toEqual(fromFile);
      expect(fromNats).toEqual(recorded);
      expect(foldRuns(fromNats)).toEqual(foldRuns(fromFile));
      expect(foldRuns(fromNats).map((r) => r.status)).toEqual(['succeeded', 'failed', 'running']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('calls a message that is not an event corrupt, naming where it is', async () => {
    const project = newProject();
    const store = await openStore(project);
    await store.append([planCreated(project, 'a')]);
    await jetstream(nc).publish(eventSubject(project), '{"v":1,"seq":2,"type":"plan.created"}');
    const error = await rejection(store.readAll());
    expect(error.code).toBe('EVENT_LOG_CORRUPT');
    expect(error.message).toMatch(/^LOCKER_EVENTS message \d+: not a valid event/);
    // An append would stamp after an event it cannot read: refused the same way.
    expect((await rejection((await openStore(project)).append([planCreated(project, 'b')]))).code).toBe('EVENT_LOG_CORRUPT');
  });

  it('calls a gap in the sequence corrupt', async () => {
    const project = newProject();
    const store = await openStore(project);
    const [first] = await store.append([planCreated(project, 'a')]);
    await jetstream(nc).publish(eventSubject(project), JSON.stringify({ ...first, seq: 3 }));
    const error = await rejection((await openStore(project)).readAll());
    expect(error.code).toBe('EVENT_LOG_CORRUPT');
    expect(error.message).toMatch(/seq 3 where 2 was expected/);
  });

  it('loses nothing when nats-server is killed with SIGKILL and restarted', async () => {
    const project = newProject();
    const own = await connectExtra();
    const store = await openStore(project, undefined, own);
    const before = await store.append(Array.from({ length: 20 }, (_, i) => planCreated(project, `before-${i}`)));
    await server.kill('SIGKILL');
    await server.restart();
    // The same store, on a connection that reconnects by itself, goes on where it was.
    const after = await store.append([planCreated(project, 'after')]);
    expect(after.map((e) => e.seq)).toEqual([21]);
    const fresh = await connectExtra();
    const all = await (await openStore(project, undefined, fresh)).readAll();
    expect(all).toEqual([...before, ...after]);
  });
});

async function connectExtra(): Promise<NatsConnection> {
  const c = await connectNats({ url: server.url, name: 'test event store writer' });
  connections.push(c);
  return c;
}
