// The one mapping from what the run machine emits to what the run writes: every emitted kind, its log
// event and data exactly (key order included: the log's bytes must not change with the refactor).
import { describe, expect, it } from 'vitest';
import { toFinishedEvent, toLogEvent, type RunEmitted, type RunOutput } from '../../machines/index.js';
import type { LockerErrorJSON } from '../../src/errors.js';
import { lockerEventSchema } from '../../src/events/types.js';
import { makeAction } from '../helpers/actions.js';

const action = makeAction({ kind: 'start' }, { container: 'web', host: 'h1' });
const scope = { project: 'demo', runId: 'r1', planId: 'p1' };
const at = { ...scope, actionId: 'h1/web/start', host: 'h1', container: 'web', attempt: 2 };
const error: LockerErrorJSON = { name: 'LockerError', code: 'LXC_COMMAND_FAILED', message: 'boom', retryable: true };

const cases: Array<[string, RunEmitted, unknown]> = [
  ['dispatched', { type: 'step.dispatched', action, attempt: 2 }, { ...at, type: 'action.dispatched', data: { kind: 'start' } }],
  ['started', { type: 'step.started', action, attempt: 2 }, { ...at, type: 'action.started', data: { kind: 'start' } }],
  [
    'settled, done with a detail',
    { type: 'step.settled', action, attempt: 2, result: { ok: true, outcome: 'done', detail: 'started demo_web' } },
    { ...at, type: 'action.succeeded', data: { kind: 'start', outcome: 'done', durationMs: 42, detail: 'started demo_web' } },
  ],
  [
    'settled, adopted without a detail',
    { type: 'step.settled', action, attempt: 2, result: { ok: true, outcome: 'adopted' } },
    { ...at, type: 'action.succeeded', data: { kind: 'start', outcome: 'adopted', durationMs: 42 } },
  ],
  [
    'settled, failed',
    { type: 'step.settled', action, attempt: 2, result: { ok: false, error } },
    { ...at, type: 'action.failed', data: { kind: 'start', error, durationMs: 42 } },
  ],
  [
    'retrying',
    { type: 'step.retrying', action, attempt: 2, maxAttempts: 3, result: { ok: false, error }, delayMs: 500 },
    { ...at, type: 'action.failed', data: { kind: 'start', error, durationMs: 42, retry: { inMs: 500, maxAttempts: 3 } } },
  ],
  [
    'skipped',
    { type: 'step.skipped', action, attempt: 2, because: 'h1/web/create' },
    { ...at, type: 'action.skipped', data: { kind: 'start', because: 'h1/web/create' } },
  ],
];

describe('toLogEvent', () => {
  it.each(cases)('%s', (_name, emitted, expected) => {
    const event = toLogEvent(emitted, scope, 42);
    // toStrictEqual checks values; the JSON text checks key order too.
    expect(event).toStrictEqual(expected);
    expect(JSON.stringify(event)).toBe(JSON.stringify(expected));
    expect(lockerEventSchema.safeParse({ ...event, v: 1, seq: 1, ts: '2026-01-01T00:00:00.000Z' }).success).toBe(true);
  });

  it('covers every kind the run machine emits', () => {
    const kinds: Record<RunEmitted['type'], true> = {
      'step.dispatched': true,
      'step.started': true,
      'step.settled': true,
      'step.retrying': true,
      'step.skipped': true,
    };
    expect(new Set(cases.map(([, e]) => e.type))).toEqual(new Set(Object.keys(kinds)));
  });
});

describe('toFinishedEvent', () => {
  it.each<[RunOutput['outcome'], RunOutput['counts']]>([
    ['succeeded', { pending: 0, running: 0, succeeded: 3, failed: 0, skipped: 0 }],
    ['failed', { pending: 0, running: 0, succeeded: 1, failed: 1, skipped: 2 }],
    ['interrupted', { pending: 2, running: 0, succeeded: 1, failed: 0, skipped: 0 }],
  ])('%s', (outcome, counts) => {
    const event = toFinishedEvent({ outcome, counts, status: {} }, scope);
    expect(JSON.stringify(event)).toBe(
      JSON.stringify({ ...scope, type: 'run.finished', data: { outcome, succeeded: counts.succeeded, failed: counts.failed, skipped: counts.skipped } }),
    );
  });
});
