import { appendFile, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openFileEventStore, type EventStore, type NewEvent } from '../../src/events/index.js';
import { rejection } from '../helpers/errors.js';
import { deadPid, killLiveProcesses, liveProcess } from '../helpers/processes.js';

let dir: string;
const stores: EventStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locker-events-'));
  warnings = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  for (const store of stores.splice(0)) await store.close();
  killLiveProcesses();
  await rm(dir, { recursive: true, force: true });
});

/** What the stores opened by this test warned about. */
let warnings: string[] = [];

async function openStore(now?: () => Date): Promise<EventStore> {
  const warn = (line: string) => void warnings.push(line);
  const store = await openFileEventStore(dir, 'shop', now ? { now, warn } : { warn });
  stores.push(store);
  return store;
}

function planCreated(tag: string): NewEvent {
  return { project: 'shop', type: 'plan.created', planId: `plan-${tag}`, data: { mode: 'up', actions: 1, specDigest: tag } };
}

const logPath = (): string => join(dir, 'events.jsonl');
const lockPath = (): string => join(dir, 'events.lock');

describe('file event store', () => {
  it('reads back what it appended, stamped with version, sequence and time', async () => {
    const store = await openStore(() => new Date('2026-03-02T09:00:00.000Z'));
    const first = await store.append([planCreated('a')]);
    const second = await store.append([planCreated('b')]);
    expect(first).toEqual([{ v: 1, seq: 1, ts: '2026-03-02T09:00:00.000Z', ...planCreated('a') }]);
    expect(second.map((e) => e.seq)).toEqual([2]);
    expect(await store.readAll()).toEqual([...first, ...second]);
    const lines = (await readFile(logPath(), 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    expect(JSON.parse(lines[0] ?? '')).toEqual(first[0]);
  });

  it('a missing log is an empty one, and opening or reading creates nothing', async () => {
    await rm(dir, { recursive: true });
    const store = await openStore();
    expect(await store.readAll()).toEqual([]);
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.append([planCreated('a')]);
    expect((await store.readAll()).map((e) => e.seq)).toEqual([1]);
  });

  it('continues the sequence across a close and a reopen', async () => {
    const before = await openStore();
    await before.append([planCreated('a'), planCreated('b')]);
    await before.close();
    const after = await openStore();
    const appended = await after.append([planCreated('c')]);
    expect(appended.map((e) => e.seq)).toEqual([3]);
    expect((await after.readAll()).map((e) => [e.seq, e.type === 'plan.created' && e.planId])).toEqual([
      [1, 'plan-a'],
      [2, 'plan-b'],
      [3, 'plan-c'],
    ]);
  });

  it('commits the events of one call with one write and one fsync', async () => {
    const store = await openStore();
    await store.append([planCreated('warm-up')]); // the first append also opens and locks
    const probe = await open(join(dir, 'probe'), 'w');
    const handleType = Object.getPrototypeOf(probe) as { write: () => unknown; sync: () => unknown };
    await probe.close();
    const writes = vi.spyOn(handleType, 'write');
    const syncs = vi.spyOn(handleType, 'sync');
    const stored = await store.append([planCreated('a'), planCreated('b'), planCreated('c')]);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(syncs).toHaveBeenCalledTimes(1);
    expect(stored.map((e) => e.seq)).toEqual([2, 3, 4]);
    expect(new Set(stored.map((e) => e.ts)).size).toBe(1);
  });

  it('keeps call order when appends overlap in one process', async () => {
    const store = await openStore();
    const calls = Array.from({ length: 25 }, (_, i) => store.append([planCreated(`${i}-1`), planCreated(`${i}-2`)]));
    const results = await Promise.all(calls);
    results.forEach((stored, i) => expect(stored.map((e) => e.seq)).toEqual([2 * i + 1, 2 * i + 2]));
    const all = await store.readAll();
    expect(all.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(all.map((e) => e.type === 'plan.created' && e.planId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `plan-${Math.floor(i / 2)}-${(i % 2) + 1}`),
    );
  });

  it('rejects a call with an invalid event without storing any of it', async () => {
    const store = await openStore();
    await store.append([planCreated('a')]);
    const bad = { ...planCreated('b'), data: { mode: 'up', actions: 'many', specDigest: 'x' } } as unknown as NewEvent;
    const error = await rejection(store.append([planCreated('ok'), bad]));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('data.actions');
    expect((await store.readAll()).map((e) => e.seq)).toEqual([1]);
    expect((await store.append([planCreated('c')])).map((e) => e.seq)).toEqual([2]);
  });

  it('holds the writer lock from the first append until close', async () => {
    const store = await openStore();
    await expect(readdir(dir)).resolves.toEqual([]);
    await store.append([planCreated('a')]);
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
    await store.close();
    expect(await readdir(dir)).toEqual(['events.jsonl']);
  });

  it('refuses to write while another live process holds the writer lock, but still reads', async () => {
    const writer = await openStore();
    await writer.append([planCreated('a')]);
    await writer.close();
    const pid = liveProcess();
    await writeFile(lockPath(), JSON.stringify({ pid, hostname: hostname(), since: '2026-03-02T09:00:00.000Z' }));
    const store = await openStore();
    const error = await rejection(store.append([planCreated('b')]));
    expect(error.code).toBe('LOCK_HELD');
    expect(error.message).toBe(`event log is being written by pid ${pid} since 2026-03-02T09:00:00.000Z`);
    expect(error.retryable).toBe(true);
    expect((await store.readAll()).map((e) => e.seq)).toEqual([1]);
  });

  it('takes over a writer lock left by a dead process', async () => {
    await writeFile(lockPath(), JSON.stringify({ pid: await deadPid(), hostname: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const store = await openStore();
    expect((await store.append([planCreated('a')])).map((e) => e.seq)).toEqual([1]);
    expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('a second store in the same process cannot write while the first holds the log', async () => {
    const first = await openStore();
    await first.append([planCreated('a')]);
    const second = await openStore();
    expect((await rejection(second.append([planCreated('b')]))).code).toBe('LOCK_HELD');
    await first.close();
    expect((await second.append([planCreated('b')])).map((e) => e.seq)).toEqual([2]);
  });

  it.each([
    ['a line that is not JSON', '{"v":1,"seq":2,', 'events.jsonl:2: not valid JSON'],
    ['a line the schema rejects', JSON.stringify({ v: 1, seq: 2, ts: 't', project: 'shop', type: 'plan.deleted' }), 'events.jsonl:2: not a valid event: type'],
    ['a gap in the sequence', null, 'events.jsonl:2: seq 3 where 2 was expected'],
    ['an empty line', '', 'events.jsonl:2: not valid JSON'],
  ])('calls the log corrupt at %s, naming the line, for readers and writers', async (_name, line, message) => {
    const store = await openStore();
    await store.append([planCreated('a'), planCreated('b'), planCreated('c')]);
    await store.close();
    const lines = (await readFile(logPath(), 'utf8')).split('\n');
    if (line === null) lines.splice(1, 1);
    else lines[1] = line;
    await writeFile(logPath(), lines.join('\n'));
    const reopened = await openStore();
    const readError = await rejection(reopened.readAll());
    expect(readError.code).toBe('EVENT_LOG_CORRUPT');
    expect(readError.message.startsWith(message)).toBe(true);
    expect(readError.hint).toBeDefined();
    expect(readError.detail).toBe(`file: ${logPath()}`);
    const writeError = await rejection(reopened.append([planCreated('d')]));
    expect(writeError.code).toBe('EVENT_LOG_CORRUPT');
    expect(await readdir(dir)).toEqual(['events.jsonl']); // the writer lock was given back
  });

  it('skips a torn final line on read with one warning, and drops it when opened for append', async () => {
    const store = await openStore();
    await store.append([planCreated('a'), planCreated('b')]);
    await store.close();
    const committed = await readFile(logPath(), 'utf8');
    const torn = '{"v":1,"seq":3,"ts":"2026-03-02T09:0';
    await appendFile(logPath(), torn);

    const reader = await openStore();
    expect((await reader.readAll()).map((e) => e.seq)).toEqual([1, 2]);
    expect(await reader.readAll()).toHaveLength(2);
    expect(warnings).toEqual([
      `ignoring a torn last line in ${logPath()} (${torn.length} bytes): an append that did not finish; the next command that writes the log drops it`,
    ]);
    expect(await readFile(logPath(), 'utf8')).toBe(committed + torn); // reading repairs nothing

    const stored = await reader.append([planCreated('c')]);
    expect(stored.map((e) => e.seq)).toEqual([3]);
    expect((await reader.readAll()).map((e) => e.type === 'plan.created' && e.planId)).toEqual(['plan-a', 'plan-b', 'plan-c']);
    expect((await readFile(logPath(), 'utf8')).startsWith(committed)).toBe(true);
    expect(warnings).toHaveLength(1);
  });

  it('skips a torn tail quietly while another live process holds the writer lock: an append in flight', async () => {
    const store = await openStore();
    await store.append([planCreated('a')]);
    await store.close();
    await appendFile(logPath(), '{"v":1,"seq":2');
    await writeFile(lockPath(), JSON.stringify({ pid: liveProcess(), hostname: hostname(), since: '2026-03-02T09:00:00.000Z' }));
    const reader = await openStore();
    expect((await reader.readAll()).map((e) => e.seq)).toEqual([1]);
    expect(warnings).toEqual([]);
  });

  it('treats a complete event without its newline as torn too: it was never acknowledged', async () => {
    await mkdir(dir, { recursive: true });
    const unacknowledged = { v: 1, seq: 1, ts: '2026-03-02T09:00:00.000Z', ...planCreated('lost') };
    await writeFile(logPath(), JSON.stringify(unacknowledged));
    const store = await openStore();
    expect(await store.readAll()).toEqual([]);
    expect(warnings[0]).toMatch(/^ignoring a torn last line in /);
    const [stored] = await store.append([planCreated('kept')]);
    expect(stored).toMatchObject({ seq: 1, planId: 'plan-kept' });
  });

  it('calls a complete last line that does not parse damage, not a torn append', async () => {
    const store = await openStore();
    await store.append([planCreated('a')]);
    await store.close();
    await appendFile(logPath(), '{"v":1,"seq":2,"ts":"2026-03-02T09:0\n');
    const reader = await openStore();
    const error = await rejection(reader.readAll());
    expect([error.code, error.message.split(':').slice(0, 2).join(':')]).toEqual(['EVENT_LOG_CORRUPT', 'events.jsonl:2']);
    expect(warnings).toEqual([]);
  });

  it('refuses an event of another project and use after close', async () => {
    const store = await openStore();
    const foreign = { ...planCreated('a'), project: 'other' };
    expect((await rejection(store.append([foreign]))).code).toBe('INTERNAL');
    await store.close();
    expect((await rejection(store.append([planCreated('a')]))).code).toBe('INTERNAL');
    expect((await rejection(store.readAll())).code).toBe('INTERNAL');
  });
});
