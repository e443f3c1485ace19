// The pure parts of crash recovery of the project lock: reading a holder, deciding whether it is
// provably dead, and the words a waiting or taking-over command prints.
import { describe, expect, it } from 'vitest';
import { describeHolder, describeTakeover, formatLockWait, judgeHolder, type Here, type ProcessProbe } from '../../src/lock/index.js';
import { parseHolder } from '../../src/lock/holder.js';
import { reportLockWait } from '../../src/cli/project-lock.js';
import type { Io } from '../../src/cli/output.js';
import { parseCli } from '../../src/cli/args.js';

const here: Here = { hostname: 'box', machineId: 'm1', bootId: 'b2', pid: 100 };
const holder = { pid: 42, hostname: 'box', since: '2026-03-02T09:00:00.000Z', command: 'up web', machineId: 'm1', bootId: 'b2', startTicks: 500 };
const alive = (startTicks?: number) => (): ProcessProbe => ({ alive: true, ...(startTicks === undefined ? {} : { startTicks }) });
const gone = (): ProcessProbe => ({ alive: false });

describe('judgeHolder', () => {
  it.each([
    ['its process is alive and the same one', holder, alive(500), { dead: false }],
    ['its pid is gone', holder, gone, { dead: true, reason: 'pid-gone' }],
    ['its pid now belongs to a younger process', holder, alive(900), { dead: true, reason: 'pid-reused' }],
    ['it ran in an earlier boot, whatever its pid does now', { ...holder, bootId: 'b1' }, alive(500), { dead: true, reason: 'previous-boot' }],
    ['it is on another machine, pid gone here', { ...holder, hostname: 'other' }, gone, { dead: false }],
    ['same host name but another machine id', { ...holder, machineId: 'm9', bootId: 'b1' }, gone, { dead: false }],
    ['an old holder without ids, pid gone', { pid: 42, hostname: 'box', since: 'then' }, gone, { dead: true, reason: 'pid-gone' }],
    ['an old holder without ids, pid alive', { pid: 42, hostname: 'box', since: 'then' }, alive(900), { dead: false }],
    ['the probe cannot tell the start time', holder, alive(), { dead: false }],
    ['a boot id without a machine id proves nothing', { ...holder, machineId: undefined, bootId: 'b1' }, alive(500), { dead: false }],
  ])('%s', (_name, h, probe, verdict) => {
    expect(judgeHolder(h, here, false, probe)).toEqual(verdict);
  });

  it('a holder naming our own pid is alive only when this process took that lock', () => {
    const ours = { ...holder, pid: here.pid };
    expect(judgeHolder(ours, here, true, gone)).toEqual({ dead: false });
    expect(judgeHolder(ours, here, false, alive(500))).toEqual({ dead: true, reason: 'pid-reused' });
  });
});

describe('parseHolder', () => {
  it.each([
    ['not JSON', 'garbage'],
    ['not an object', '42'],
    ['no pid', '{"hostname":"box","since":"then"}'],
    ['pid not a positive integer', '{"pid":-1,"hostname":"box","since":"then"}'],
    ['no since', '{"pid":1,"hostname":"box"}'],
  ])('names no holder in %s', (_name, text) => {
    expect(parseHolder(text)).toBeUndefined();
  });

  it('keeps the fields a holder added', () => {
    expect(parseHolder(JSON.stringify(holder))).toEqual(holder);
  });
});

describe('messages', () => {
  it('names a holder with its command as a locker command line', () => {
    expect(describeHolder(holder)).toBe('pid 42 on box (locker up web) since 2026-03-02T09:00:00.000Z');
    expect(describeHolder({ ...holder, command: 'locker down' }, 'box')).toBe('pid 42 (locker down) since 2026-03-02T09:00:00.000Z');
  });

  it.each([
    [12_000, '12 s left'],
    [11_001, '12 s left'],
    [400, '1 s left'],
    [0, '0 s left'],
  ])('counts down %i ms as %s', (ms, left) => {
    expect(formatLockWait('the project lock', holder, ms)).toBe(
      `waiting for the project lock held by pid 42 on box (locker up web) since 2026-03-02T09:00:00.000Z: ${left}`,
    );
  });

  it('says when the holder cannot be read', () => {
    expect(formatLockWait('the project lock', undefined, 3000)).toBe('waiting for the project lock held by a holder locker cannot read: 3 s left');
  });

  it('warns about a takeover, naming the dead holder and why it is dead', () => {
    expect(describeTakeover('the project lock', holder, 'pid-gone')).toBe(
      'warning: took over the project lock from pid 42 on box (locker up web) since 2026-03-02T09:00:00.000Z: that process is gone',
    );
  });
});

describe('reportLockWait', () => {
  const notes = [
    { phase: 'start', holder, leftMs: 15_000 },
    { phase: 'tick', holder, leftMs: 14_000 },
    { phase: 'tick', holder, leftMs: 13_000 },
    { phase: 'tick', holder: { ...holder, pid: 43 }, leftMs: 12_000 },
    { phase: 'end', holder, leftMs: 11_000 },
  ] as const;

  it('without a terminal, says once when waiting starts and again only when the holder changes', () => {
    const err: string[] = [];
    const io: Io = { out: () => {}, err: (t) => err.push(t), interactive: false };
    const report = reportLockWait(io);
    for (const note of notes) report(note);
    expect(err).toEqual([expect.stringMatching(/held by pid 42 .*: 15 s left$/), expect.stringMatching(/held by pid 43 .*: 12 s left$/)]);
  });

  it('on a terminal, rewrites one line every tick and clears it at the end', () => {
    const lines: Array<string | undefined> = [];
    const io: Io = { out: () => {}, err: () => {}, interactive: true, progress: (l) => lines.push(l) };
    const report = reportLockWait(io);
    for (const note of notes) report(note);
    expect(lines.map((l) => l?.replace(/.*: /, ''))).toEqual(['15 s left', '14 s left', '13 s left', '12 s left', undefined]);
  });
});

describe('--lock-timeout', () => {
  it.each([
    [[], 15_000],
    [['--lock-timeout', '0'], 0],
    [['--lock-timeout', '2.5'], 2_500],
  ])('%j waits %i ms', (flags, ms) => {
    expect(parseCli(['up', ...flags], {}).options.lockTimeoutMs).toBe(ms);
  });

  it.each(['-1', 'soon', '', '1e9'])('refuses %j as a usage error', (value) => {
    expect(() => parseCli(['up', `--lock-timeout=${value}`], {})).toThrow(/--lock-timeout must be a number of seconds/);
  });
});
