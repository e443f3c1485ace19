// The fault tests' event-log check: per run, the actions with no success (lost) and with more than one
// (duplicated), on the recorded fixture log and on that log with one success recorded twice.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEventLog, type LockerEvent } from '../../src/events/index.js';
import { runIntegrity } from '../helpers/run-integrity.js';

const recorded = parseEventLog(readFileSync(join(import.meta.dirname, '../fixtures/events/three-runs.jsonl'), 'utf8'));

describe('runIntegrity', () => {
  it('names the actions of each run that never succeeded', () => {
    expect(runIntegrity(recorded)).toEqual([
      { runId: 'r01hq7k2m4x', status: 'succeeded', actions: 6, lost: [], duplicated: [] },
      {
        runId: 'r01hq7n9c2d',
        status: 'failed',
        actions: 4,
        lost: ['local/cache/create', 'local/cache/start', 'local/cache/forward-ports'],
        duplicated: [],
      },
      { runId: 'r01hq8a1b2c', status: 'running', actions: 3, lost: ['local/web/stop', 'local/db/stop'], duplicated: [] },
    ]);
  });

  it('names an action whose success is recorded twice, in its own run only', () => {
    const success = recorded.find((e) => e.type === 'action.succeeded' && e.actionId === 'local/db/start')!;
    const again: LockerEvent = { ...success, seq: recorded.length + 1 };
    const [first, second] = runIntegrity([...recorded, again]);
    expect(first?.duplicated).toEqual(['local/db/start']);
    expect(second?.duplicated).toEqual([]);
  });
});
