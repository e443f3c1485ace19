// The run's one writer: events go out in order, those recorded while an append is in flight share the next
// one (group commit), each caller learns when its event is durable, and a failed append stops the writer.

import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/apply/recorder.js';
import type { EventStore, LockerEvent, NewEvent } from '../../src/events/index.js';

const event = (tag: string): NewEvent => ({ project: 'shop', type: 'plan.created', planId: tag, data: { mode: 'up', actions: 1, specDigest: tag } });

const planIdOf = (e: NewEvent) => (e.type === 'plan.created' ? e.planId : '');

/** A store whose appends complete only when the test says so. */
function heldStore(failOn?: string) {
  const appends: string[][] = [];
  const release: Array<() => void> = [];
  const store: EventStore = {
    append: (events: NewEvent[]) => {
      appends.push(events.map(planIdOf));
      return new Promise<LockerEvent[]>((resolve, reject) => {
        release.push(() => (events.some((e) => planIdOf(e) === failOn) ? reject(new Error('disk full')) : resolve([])));
      });
    },
    readAll: async () => [],
    close: async () => {},
  };
  const releaseNext = async () => {
    await until(() => release.length > 0);
    release.shift()!();
  };
  return { store, appends, releaseNext };
}

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setImmediate(r));
  expect(ok()).toBe(true);
}

describe('Recorder', () => {
  it('writes the events of one tick in one append, and what came meanwhile in the next', async () => {
    const { store, appends, releaseNext } = heldStore();
    const recorder = new Recorder(store);
    void recorder.record(event('a'));
    void recorder.record(event('b'));
    await until(() => appends.length === 1);
    void recorder.record(event('c'));
    void recorder.record(event('d'));
    await releaseNext();
    await releaseNext();
    await recorder.flush();
    expect(appends).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('resolves each event once its append is done, in the order they were recorded', async () => {
    const { store, releaseNext } = heldStore();
    const recorder = new Recorder(store);
    const durable: string[] = [];
    void recorder.record(event('a')).then(() => durable.push('a'));
    await new Promise((r) => setImmediate(r));
    void recorder.record(event('b')).then(() => durable.push('b'));
    expect(durable).toEqual([]);
    await releaseNext();
    await until(() => durable.length === 1);
    expect(durable).toEqual(['a']);
    await releaseNext();
    await recorder.flush();
    expect(durable).toEqual(['a', 'b']);
  });

  it('after a failed append, rejects what waits and everything later, and flush throws the first error', async () => {
    const { store, appends, releaseNext } = heldStore('a');
    const recorder = new Recorder(store);
    const first = recorder.record(event('a'));
    await until(() => appends.length === 1);
    const queued = recorder.record(event('b'));
    await releaseNext();
    await expect(first).rejects.toThrow('disk full');
    await expect(queued).rejects.toThrow('disk full');
    await expect(recorder.record(event('c'))).rejects.toThrow('disk full');
    await expect(recorder.flush()).rejects.toThrow('disk full');
    expect(appends).toEqual([['a']]);
  });

  it('written() waits until the events are in the log, not until they are durable; flush() until durable', async () => {
    let synced: () => void = () => {};
    const writes: string[][] = [];
    const store: EventStore = {
      append: (events: NewEvent[], written?: () => void) => {
        writes.push(events.map((e) => (e as { planId?: string }).planId!));
        return new Promise<LockerEvent[]>((resolve) => {
          setImmediate(() => written?.());
          synced = () => resolve([]);
        });
      },
      readAll: async () => [],
      close: async () => {},
    };
    const recorder = new Recorder(store);
    let durable = false;
    void recorder.record(event('a')).then(() => (durable = true));
    let flushed = false;
    void recorder.flush().then(() => (flushed = true));
    await recorder.written();
    expect(writes).toEqual([['a']]);
    expect(durable).toBe(false);
    expect(flushed).toBe(false);
    synced();
    await recorder.flush();
    expect(durable).toBe(true);
  });

  it('written() throws the append error when the write fails', async () => {
    const { store, releaseNext } = heldStore('a');
    const recorder = new Recorder(store);
    void recorder.record(event('a'));
    const written = recorder.written();
    await releaseNext();
    await expect(written).rejects.toThrow('disk full');
  });
});
