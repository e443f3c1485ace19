// What the event log says about each run after a fault: every planned action must have exactly one
// `action.succeeded`. None is a lost action; more than one is an action done twice.

import path from 'node:path';
import { foldRuns, openFileEventStore, openJetStreamEventStore, type LockerEvent, type RunStatus } from '../../src/events/index.js';
import { connectNats } from '../../src/nats/connect.js';

export interface RunIntegrity {
  runId: string;
  status: RunStatus;
  /** Planned actions in the run. */
  actions: number;
  /** Actions of the run with no `action.succeeded` event. */
  lost: string[];
  /** Actions of the run with more than one `action.succeeded` event. */
  duplicated: string[];
}

/** One entry per run of the log, in the order the runs started. */
export function runIntegrity(events: readonly LockerEvent[]): RunIntegrity[] {
  const successes = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'action.succeeded') continue;
    const key = `${e.runId} ${e.actionId}`;
    successes.set(key, (successes.get(key) ?? 0) + 1);
  }
  return foldRuns([...events]).map((run) => {
    const count = (id: string) => successes.get(`${run.runId} ${id}`) ?? 0;
    return {
      runId: run.runId,
      status: run.status,
      actions: run.actions.length,
      lost: run.actions.filter((a) => count(a.id) === 0).map((a) => a.id),
      duplicated: run.actions.filter((a) => count(a.id) > 1).map((a) => a.id),
    };
  });
}

/** The embedded log of a project: `<stateBase>/<project>/events.jsonl` (stateBase: `.locker` next to the spec). */
export async function readFileEvents(stateBase: string, project: string): Promise<LockerEvent[]> {
  const store = await openFileEventStore(path.join(stateBase, project), project);
  try {
    return await store.readAll();
  } finally {
    await store.close();
  }
}

/** The JetStream log of a project, read as the control point's user. */
export async function readNatsEvents(url: string, credsFile: string, project: string): Promise<LockerEvent[]> {
  const nc = await connectNats({ url, credsFile, name: 'fault test reader' });
  try {
    const store = await openJetStreamEventStore(nc, project);
    try {
      return await store.readAll();
    } finally {
      await store.close();
    }
  } finally {
    await nc.close();
  }
}
