// Reads a project's events back from LOCKER_EVENTS, judged as strictly as the file log's lines.

import {
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { LockerError, isLockerError } from '../errors.js';
import { EVENTS_STREAM, eventSubject } from '../nats/names.js';
import { corrupt, parseEventLine } from './parse-log.js';
import type { LockerEvent } from './types.js';

/** The last stored event of a project: its `seq`, and where the stream holds it. */
export interface Tail {
  seq: number;
  /** Stream sequence of that message; 0 when the project has no event yet. */
  streamSeq: number;
  /** The message id its writer published it under (Nats-Msg-Id), when it had one. */
  msgId?: string;
}

const EMPTY: Tail = { seq: 0, streamSeq: 0 };
const MSG_ID_HEADER = 'Nats-Msg-Id';
const SEARCH_LIMIT = 1000;
const FETCH_BATCH = 1000;
// A fetch that brings nothing in this long, while the tail says more is stored, is a fault.
const FETCH_EXPIRES_MS = 5_000;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readProjectTail(jsm: JetStreamManager, project: string): Promise<Tail> {
  let stored;
  try {
    stored = await jsm.streams.getMessage(EVENTS_STREAM, { last_by_subj: eventSubject(project) });
  } catch (e) {
    throw unreadable(e);
  }
  if (stored === null) return EMPTY;
  const event = parseMessage(stored.data, stored.seq, project);
  return { seq: event.seq, streamSeq: stored.seq, msgId: stored.header?.get(MSG_ID_HEADER) || undefined };
}

/**
 * The project's event stored under `msgId` after stream sequence `after`, up to `upTo`, with where it is;
 * undefined when none is. Looks at no more than SEARCH_LIMIT messages (of every project) of the stream.
 */
export async function findStoredEvent(
  jsm: JetStreamManager,
  project: string,
  msgId: string,
  after: number,
  upTo: number,
): Promise<{ event: LockerEvent; streamSeq: number } | undefined> {
  const subject = eventSubject(project);
  for (let seq = after + 1; seq <= Math.min(upTo, after + SEARCH_LIMIT); seq++) {
    // null: removed, or a sequence the stream skipped.
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq }).catch((e: unknown) => {
      throw unreadable(e);
    });
    if (stored === null || stored.subject !== subject || stored.header?.get(MSG_ID_HEADER) !== msgId) continue;
    return { event: parseMessage(stored.data, stored.seq, project), streamSeq: stored.seq };
  }
  return undefined;
}

/**
 * Every event of the project up to the tail read first: events appended while reading belong
 * to the next read. The sequence must run 1, 2, 3... without a gap, as in the file log.
 */
export async function readProjectEvents(
  js: JetStreamClient,
  jsm: JetStreamManager,
  project: string,
): Promise<{ events: LockerEvent[]; tail: Tail }> {
  const tail = await readProjectTail(jsm, project);
  if (tail.streamSeq === 0) return { events: [], tail };
  const events: LockerEvent[] = [];
  let consumer;
  try {
    consumer = await js.consumers.get(EVENTS_STREAM, {
      filter_subjects: eventSubject(project),
      deliver_policy: DeliverPolicy.All,
    });
  } catch (e) {
    throw unreadable(e);
  }
  try {
    let reached = false;
    while (!reached) {
      const batch = await consumer.fetch({ max_messages: FETCH_BATCH, expires: FETCH_EXPIRES_MS });
      let received = 0;
      for await (const message of batch) {
        received += 1;
        const event = parseMessage(message.data, message.seq, project);
        const expected = events.length + 1;
        if (event.seq !== expected) {
          throw corrupt(`${where(message.seq)}: seq ${event.seq} where ${expected} was expected`, `subject: ${eventSubject(project)}`);
        }
        events.push(event);
        if (message.seq >= tail.streamSeq) {
          reached = true;
          break;
        }
      }
      if (!reached && received === 0) {
        throw new LockerError('EVENT_LOG_CORRUPT', `${EVENTS_STREAM} ended at event ${events.length} of ${project}, before message ${tail.streamSeq} it reported as the last`, {
          hint: 'messages were removed from the stream while reading it; read again, and check the stream\'s limits (`nats stream info LOCKER_EVENTS`)',
        });
      }
    }
  } catch (e) {
    if (isLockerError(e)) throw e;
    throw unreadable(e);
  } finally {
    await consumer.delete().catch(() => undefined); // ephemeral: it expires by itself when this fails
  }
  return { events, tail: { seq: events.at(-1)!.seq, streamSeq: tail.streamSeq } };
}

function parseMessage(data: Uint8Array, streamSeq: number, project: string): LockerEvent {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    throw corrupt(`${where(streamSeq)}: not valid UTF-8`);
  }
  const event = parseEventLine(text, where(streamSeq));
  if (event.project !== project) {
    throw corrupt(`${where(streamSeq)}: an event of project ${event.project} on the subject of ${project}`);
  }
  return event;
}

function where(streamSeq: number): string {
  return `${EVENTS_STREAM} message ${streamSeq}`;
}

function unreadable(e: unknown): LockerError {
  if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamNotFound) {
    return new LockerError('INTERNAL', `stream ${EVENTS_STREAM} does not exist on this NATS server`, {
      hint: 'the control point creates it on connecting (ensureNatsResources); run a locker command with --nats first',
      cause: e,
    });
  }
  return new LockerError('AGENT_OFFLINE', `could not read ${EVENTS_STREAM}: ${(e as Error).message}`, {
    hint: 'check that nats-server is running with JetStream and reachable',
    retryable: true,
    cause: e,
  });
}
