// The shared event log: one JetStream message per event on the project's subject of LOCKER_EVENTS.
// Every append is acknowledged by the server before it returns; a committed message is never rewritten.

import { randomBytes, randomInt } from 'node:crypto';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import { EVENTS_STREAM, eventSubject } from '../nats/names.js';
import { ELECTION_PATIENCE_MS, isElecting } from '../nats/while-electing.js';
import { findStoredEvent, readProjectEvents, readProjectTail, type Tail } from './jetstream-read.js';
import { assertOwnProject, stampEvents } from './stamp-events.js';
import type { EventStore, LockerEvent, NewEvent } from './types.js';

export interface JetStreamEventStoreOptions {
  /** The clock behind `ts`; tests pass a fixed one. */
  now?: () => Date;
  /** The prefix of this writer's message ids (default: 16 random hex digits); tests pass a known one. */
  writerId?: string;
}

// Each lost race costs one tail read and a short random pause, so racing writers spread out
// instead of colliding again in step; this many losses in a row means writers that never stop.
const MAX_CONFLICTS = 50;
const CONFLICT_PAUSE_MAX_MS = 64;
// A publish whose acknowledgement is lost (server restarting) is sent again with the same message
// id, so the stream stores it once; no-responders while JetStream restarts is retried the same way.
const PUBLISH_RETRIES = 5;
const PUBLISH_TIMEOUT_MS = 5_000;

export async function openJetStreamEventStore(
  nc: NatsConnection,
  project: string,
  options: JetStreamEventStoreOptions = {},
): Promise<EventStore> {
  const writerId = options.writerId ?? randomBytes(8).toString('hex');
  return new JetStreamEventStore(jetstream(nc), await jetstreamManager(nc), project, options.now ?? (() => new Date()), writerId);
}

/**
 * One writer at a time without holding anything: every publish expects the project subject's
 * last stream sequence to be the one this store last saw. When another writer got there first,
 * the server refuses the message; the store then reads the new tail, stamps the remaining events
 * after it and publishes again. So `seq` stays gapless and ordered whoever writes, and a lost
 * race costs a retry, not an error (the file store fails with LOCK_HELD instead, because its
 * writer lock is held for the store's lifetime). The events of one append are consecutive unless
 * another writer appended in the middle of it: nats-server 2.9 has no atomic batch publish.
 */
class JetStreamEventStore implements EventStore {
  private readonly subject: string;
  /** Every append and read runs after the previous one, so this store never races itself. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The last event this store saw stored; undefined until read, or after an unconfirmed publish. */
  private tail?: Tail;
  /** Message ids `writerId.N`: one per message stamped, so a re-sent publish is stored once. */
  private published = 0;
  private closed = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly project: string,
    private readonly now: () => Date,
    private readonly writerId: string,
  ) {
    this.subject = eventSubject(project);
  }

  async append(events: NewEvent[]): Promise<LockerEvent[]> {
    this.assertOpen();
    assertOwnProject(events, this.project);
    if (events.length === 0) return [];
    // Fails on an invalid event before anything is published (the clock is read once, later).
    stampEvents(events, 0, new Date(0).toISOString());
    return this.enqueue(() => this.publishAll(events));
  }

  async readAll(): Promise<LockerEvent[]> {
    this.assertOpen();
    return this.enqueue(async () => {
      const read = await readProjectEvents(this.js, this.jsm, this.project);
      this.tail = read.tail;
      return read.events;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
  }

  private async publishAll(events: NewEvent[]): Promise<LockerEvent[]> {
    const stored: LockerEvent[] = [];
    const ts = this.now().toISOString();
    let conflicts = 0;
    let next = 0;
    while (next < events.length) {
      const tail = (this.tail ??= await readProjectTail(this.jsm, this.project));
      const [event] = stampEvents([events[next]!], tail.seq, ts);
      const msgId = `${this.writerId}.${this.published + 1}`;
      const ack = await this.publishOne(event!, msgId, tail.streamSeq);
      // The id is spent either way: a message stamped again after a conflict is another message.
      this.published += 1;
      if (ack === 'conflict') {
        // A conflict may be our own message: stored by a first attempt whose acknowledgement was lost, then
        // refused when sent again (a cluster checks the expected sequence before the message id). Stamping
        // it again would store it twice, under another seq.
        const now = await readProjectTail(this.jsm, this.project);
        const own = now.msgId === msgId ? { event: event!, streamSeq: now.streamSeq } : await findStoredEvent(this.jsm, this.project, msgId, tail.streamSeq, now.streamSeq);
        this.tail = now;
        if (own) {
          stored.push(own.event);
          next += 1;
          continue;
        }
        conflicts += 1;
        if (conflicts >= MAX_CONFLICTS) throw tooManyWriters(this.project, conflicts);
        await pause(randomInt(Math.min(2 ** conflicts, CONFLICT_PAUSE_MAX_MS) + 1));
        this.tail = undefined; // read again after the pause: the other writer may have gone on
        continue;
      }
      conflicts = 0;
      this.tail = { seq: event!.seq, streamSeq: ack.seq };
      stored.push(event!);
      next += 1;
    }
    return stored;
  }

  private async publishOne(event: LockerEvent, msgID: string, lastSubjectSequence: number): Promise<PubAck | 'conflict'> {
    const deadline = Date.now() + ELECTION_PATIENCE_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.js.publish(this.subject, JSON.stringify(event), {
          msgID,
          expect: { lastSubjectSequence, streamName: EVENTS_STREAM },
          retries: PUBLISH_RETRIES,
          timeout: PUBLISH_TIMEOUT_MS,
        });
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.StreamWrongLastSequence) return 'conflict';
        // The stream without a leader (a cluster electing one after a server died, a server coming back): the same
        // message id again, as nats.js's own retries do, so one that was stored after all is acknowledged as a duplicate.
        if (isStreamAway(e) && Date.now() < deadline) {
          await pause(Math.min(250 * 2 ** attempt, 2_000));
          continue;
        }
        throw this.unstored(event, e);
      }
    }
  }

  private unstored(event: LockerEvent, e: unknown): LockerError {
    // Stored or not, we cannot tell: the next append starts from the tail the server has, and
    // under a fresh message id, or the server would drop it as a duplicate of this one.
    this.tail = undefined;
    this.published += 1;
    return new LockerError('AGENT_OFFLINE', `could not append event ${event.seq} (${event.type}) to ${EVENTS_STREAM}: ${(e as Error).message}`, {
      hint: 'check that nats-server is running with JetStream; the event may or may not be stored: `locker runs` shows what is',
      retryable: true,
      cause: e,
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    // The chain only orders work; each caller still gets its own rejection through `result`.
    this.queue = result.catch(() => undefined);
    return result;
  }

  private assertOpen(): void {
    if (this.closed) throw new LockerError('INTERNAL', `event store of ${this.project} on ${EVENTS_STREAM} is closed`);
  }
}

function tooManyWriters(project: string, conflicts: number): LockerError {
  return new LockerError('LOCK_HELD', `event log of ${project} kept moving: ${conflicts} publishes in a row lost to other writers`, {
    hint: 'another locker process is writing this project\'s log; wait for it to finish and try again',
    retryable: true,
  });
}

/** No stream answered (nats.js: "jetstream is not enabled", i.e. no responders), or JetStream is electing a leader. */
function isStreamAway(e: unknown): boolean {
  return (e instanceof Error && e.name === 'JetStreamNotEnabled') || isElecting(e);
}

function pause(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
