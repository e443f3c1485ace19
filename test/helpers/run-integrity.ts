// What the event log says about each run after a fault: every planned action must have exactly one
// `action.succeeded`. None is a lost action; more than one is an action done twice.

import path from 'node:path';
import { foldRuns, openFileEventStore, openJetStreamEventStore, type LockerEvent, type RunStatus } from '../../src/events/index.js';
import { jetstreamManager } from '@nats-io/jetstream';
import { isLockerError } from '../../src/errors.js';
import { connectNats } from '../../src/nats/connect.js';
import type { NatsConnection } from '@nats-io/transport-node';
import { EVENTS_STREAM, eventSubject } from '../../src/nats/names.js';

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
    } catch (e) {
      // A log that reads as corrupt: say what the stream's leader holds, message by message.
      if (isLockerError(e) && e.code === 'EVENT_LOG_CORRUPT') e.message += `\n${await dumpEventStream(nc, project)}`;
      throw e;
    } finally {
      await store.close();
    }
  } finally {
    await nc.close();
  }
}

/** Every message of the events stream as its leader answers for it: stream seq, subject, msg id, event seq and type. */
async function dumpEventStream(nc: NatsConnection, project: string): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(EVENTS_STREAM);
  const lines = [`${EVENTS_STREAM}: messages ${info.state.messages}, first ${info.state.first_seq}, last ${info.state.last_seq}; cluster ${JSON.stringify(info.cluster ?? {})}`];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch((e: Error) => e);
    if (m === null || m instanceof Error) {
      lines.push(`${seq}: ${m === null ? 'none' : m.message}`);
      continue;
    }
    let event: { seq?: number; type?: string; runId?: string; ts?: string } = {};
    try { event = JSON.parse(new TextDecoder().decode(m.data)); } catch { /* shown as raw below */ }
    const own = m.subject === eventSubject(project) ? '' : ' (other subject)';
    lines.push(`${seq}: ${m.subject}${own} id=${m.header?.get('Nats-Msg-Id') ?? '-'} event ${event.seq} ${event.type} ${event.ts}`);
  }
  return lines.join('\n');
}
