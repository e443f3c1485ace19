// Creates (or updates) the streams, consumers and buckets Locker needs on a NATS server.
// Run by the control point, whose user may manage JetStream; agents never create anything.

import { AckPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import {
  AGENTS_BUCKET,
  EVENTS_STREAM,
  JOBS_STREAM,
  LOCKS_BUCKET,
  RESULTS_STREAM,
  jobConsumer,
  jobSubject,
} from './names.js';

/** How long a holder's lease on the project lock lasts without a refresh. */
export const LOCK_LEASE_MS = 15_000;
const DEDUPE_WINDOW_MS = 10 * 60_000;
/** An agent has this long to finish or extend (in-progress ack) a job before it is redelivered. */
export const JOB_ACK_WAIT_MS = 10_000;

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
  try {
    await jsm.streams.info(config.name!);
    await jsm.streams.update(config.name!, config);
  } catch (e) {
    if (!/stream not found/i.test((e as Error).message)) throw e;
    await jsm.streams.add(config);
  }
}

export async function ensureNatsResources(nc: NatsConnection, hosts: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, {
    name: JOBS_STREAM,
    subjects: ['locker.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(DEDUPE_WINDOW_MS),
  });
  await ensureStream(jsm, {
    name: RESULTS_STREAM,
    subjects: ['locker.results.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(DEDUPE_WINDOW_MS),
    max_age: nanos(7 * 24 * 3600_000),
  });
  await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: ['locker.events.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
  });
  const kvm = new Kvm(nc);
  await kvm.create(AGENTS_BUCKET, { history: 1, storage: StorageType.File });
  await kvm.create(LOCKS_BUCKET, { history: 1, ttl: LOCK_LEASE_MS, storage: StorageType.File });
  for (const host of hosts) {
    const name = jobConsumer(host);
    const existing = await jsm.consumers.info(JOBS_STREAM, name).catch(() => undefined);
    if (existing) continue;
    await jsm.consumers.add(JOBS_STREAM, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      filter_subject: jobSubject(host),
      ack_wait: nanos(JOB_ACK_WAIT_MS),
      max_deliver: -1,
    });
  }
}
