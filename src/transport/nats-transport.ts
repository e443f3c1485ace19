// The NATS transport: a job goes to its host's subject of the LOCKER_JOBS work queue; its agent's
// `started`/`finished` messages come back on LOCKER_RESULTS and are read by one ordered consumer.
// It does not own the connection: whoever opened `nc` closes it, after close().

import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerMessages,
  type JetStreamClient,
  type OrderedConsumerOptions,
} from '@nats-io/jetstream';
import { Empty, errors, type NatsConnection } from '@nats-io/transport-node';
import type { ObservedHost, ObserveRequest } from '../../plans/observed.js';
import { LockerError, toLockerError } from '../errors.js';
import { RESULTS_STREAM, jobMessageId, jobSubject, observeSubject } from '../nats/names.js';
import { execOverNats } from './nats-exec.js';
import type { ExecRequest, ExecResult, ExecSink, Job, JobReporter, JobResult, Transport } from './types.js';
import { encodeObserveRequest, jobMessage, observeReply, resultMessage, type JobResultMessage } from './wire/index.js';

export const OBSERVE_TIMEOUT_MS = 5_000;
/** How long one pull of the results consumer lasts; also its recovery backoff after a server restart. */
const RESULTS_PULL_EXPIRES_MS = 5_000;
/** How long run() keeps trying to hand a job to JetStream (e.g. across a nats-server restart). */
const PUBLISH_PATIENCE_MS = 120_000;

export interface NatsTransportOptions {
  nc: NatsConnection;
  /** Replay results published since then (a resumed control point); default: only results from now on. */
  resultsSince?: Date;
  observeTimeoutMs?: number;
  /** Told about result messages that cannot be read (they are skipped). */
  log?: (line: string) => void;
}

interface Waiter {
  reporter: JobReporter;
  startedCalled: boolean;
  resolve(result: JobResult): void;
  reject(error: Error): void;
}

interface Seen {
  started: boolean;
  result?: JobResult;
}

export class NatsTransport implements Transport {
  private readonly seen = new Map<string, Seen>();
  private readonly waiters = new Map<string, Waiter[]>();
  private closed = false;
  /** Set when the results consumer died: nothing could ever answer a waiting run() again. */
  private broken?: LockerError;
  private readonly reading: Promise<void>;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly messages: ConsumerMessages,
    private readonly observeTimeoutMs: number,
    private readonly log: (line: string) => void,
  ) {
    this.reading = this.read().catch((e: unknown) => {
      this.broken = new LockerError('AGENT_OFFLINE', `reading job results from NATS failed: ${(e as Error).message}`, {
        retryable: true,
        cause: e,
      });
      for (const key of [...this.waiters.keys()]) this.dropWaiters(key, this.broken);
    });
  }

  /** Starts reading results before it returns: no job can be published before its result is listened for. */
  static async open(o: NatsTransportOptions): Promise<NatsTransport> {
    const js = jetstream(o.nc);
    const consumer = await js.consumers.get(RESULTS_STREAM, await startPosition(o.nc, o.resultsSince));
    // Short pulls: after a nats-server restart the ordered consumer is recreated on a backoff as long
    // as `expires` (30 s by default), and no result reaches a waiting run meanwhile.
    const messages = await consumer.consume({ max_messages: 256, expires: RESULTS_PULL_EXPIRES_MS });
    return new NatsTransport(o.nc, js, messages, o.observeTimeoutMs ?? OBSERVE_TIMEOUT_MS, o.log ?? (() => {}));
  }

  async observe(host: string, request?: ObserveRequest): Promise<ObservedHost> {
    let data: Uint8Array;
    const subject = observeSubject(host);
    const payload = encodeObserveRequest(request);
    try {
      data = (await this.nc.request(subject, payload === '' ? Empty : payload, { timeout: this.observeTimeoutMs })).data;
    } catch (e) {
      if (e instanceof errors.TimeoutError || e instanceof errors.RequestError || e instanceof errors.NoRespondersError) {
        throw agentOffline(host, e);
      }
      throw e;
    }
    const reply = observeReply.decode(data, subject);
    if (reply.ok) return reply.observed;
    throw LockerError.fromJSON(reply.error);
  }

  async run(job: Job, reporter: JobReporter): Promise<JobResult> {
    if (this.closed) throw closedError();
    if (this.broken) throw this.broken;
    const key = jobMessageId(job.runId, job.action.id, job.attempt);
    const result = new Promise<JobResult>((resolve, reject) => {
      const waiter: Waiter = { reporter, startedCalled: false, resolve, reject };
      const list = this.waiters.get(key) ?? [];
      list.push(waiter);
      this.waiters.set(key, list);
    });
    // Results read before anyone waited (a replay, or a second run of the same job) answer at once.
    this.deliver(key);
    try {
      await this.publishJob(job, key);
    } catch (e) {
      this.dropWaiters(key, e as Error);
    }
    return result;
  }

  exec(host: string, request: ExecRequest, sink: ExecSink): Promise<ExecResult> {
    if (this.closed) throw closedError();
    return execOverNats(this.nc, host, request, sink, { acceptTimeoutMs: this.observeTimeoutMs, offline: agentOffline });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.messages.close();
    await this.reading;
    for (const key of [...this.waiters.keys()]) this.dropWaiters(key, closedError());
  }

  private async publishJob(job: Job, key: string): Promise<void> {
    const deadline = Date.now() + PUBLISH_PATIENCE_MS;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw closedError();
      if (this.seen.get(key)?.result) return; // answered while we were retrying
      try {
        // msgID: a republish of the same run/action/attempt is dropped by the stream, so it cannot run twice.
        await this.js.publish(jobSubject(job.action.host), jobMessage.encode(job), { msgID: key });
        return;
      } catch (e) {
        if (Date.now() > deadline) {
          throw new LockerError('AGENT_OFFLINE', `cannot hand job ${job.action.id} to NATS: ${(e as Error).message}`, {
            hint: 'is nats-server running with JetStream, and did the control point create the streams?',
            retryable: true,
            cause: e,
          });
        }
        await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5_000)));
      }
    }
  }

  private async read(): Promise<void> {
    for await (const m of this.messages) {
      let parsed: JobResultMessage;
      try {
        parsed = resultMessage.decode(m.data, m.subject);
      } catch (e) {
        // Anyone allowed on locker.results.<host> can write there; a bad message must not stop the others.
        this.log(`skipped result message #${m.seq}: ${toLockerError(e).message}`);
        continue;
      }
      const key = jobMessageId(parsed.runId, parsed.actionId, parsed.attempt);
      if (parsed.type === 'output') {
        // Live only: shown to whoever waits for the job now; its tail comes with the result.
        for (const w of this.waiters.get(key) ?? []) w.reporter.output?.(parsed.lines);
        continue;
      }
      const seen = this.seen.get(key) ?? { started: false };
      if (parsed.type === 'started') seen.started = true;
      // The first finished result is the job's result: agents republish the same one from their journal.
      else if (seen.result === undefined) seen.result = parsed.result;
      this.seen.set(key, seen);
      this.deliver(key);
    }
  }

  private deliver(key: string): void {
    const seen = this.seen.get(key);
    const list = this.waiters.get(key);
    if (seen === undefined || list === undefined) return;
    for (const w of list) {
      if (seen.started && !w.startedCalled) {
        w.startedCalled = true;
        w.reporter.started();
      }
      if (seen.result) w.resolve(seen.result);
    }
    if (seen.result) this.waiters.delete(key);
  }

  private dropWaiters(key: string, error: Error): void {
    for (const w of this.waiters.get(key) ?? []) w.reject(error);
    this.waiters.delete(key);
  }
}

/**
 * From an explicit stream sequence rather than DeliverPolicy.New: an ordered consumer that is recreated
 * (e.g. after a server restart) before its first message restarts from its cursor, which would be 0.
 */
async function startPosition(nc: NatsConnection, since: Date | undefined): Promise<Partial<OrderedConsumerOptions>> {
  const filter = { filter_subjects: 'locker.results.>' };
  if (since) return { ...filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: since.toISOString() };
  const jsm = await jetstreamManager(nc);
  let lastSeq: number;
  try {
    lastSeq = (await jsm.streams.info(RESULTS_STREAM)).state.last_seq;
  } catch (e) {
    throw new LockerError('INTERNAL', `NATS stream ${RESULTS_STREAM} is not readable: ${(e as Error).message}`, {
      hint: 'the control point creates it with ensureNatsResources() before opening the transport',
      cause: e,
    });
  }
  return { ...filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 };
}

function agentOffline(host: string, cause: unknown): LockerError {
  return new LockerError('AGENT_OFFLINE', `agent of host "${host}" is not answering`, {
    hint: `start it on that host: locker agent --host ${host} --nats URL (locker hosts shows the last heartbeats)`,
    retryable: true,
    cause,
  });
}

function closedError(): LockerError {
  return new LockerError('AGENT_OFFLINE', 'the NATS transport was closed while a job was waiting for its result', {
    hint: 'the job stays queued for its agent; a resumed run collects its result',
    retryable: true,
  });
}
