// Creates (or updates) the streams, consumers and buckets Locker needs on a NATS server, each with
// the replicas chosen for the cluster it lives on (see replicas.ts).
// Run by the control point, whose user may manage JetStream; agents create only the agents bucket (agents-bucket.ts).

import {
  AckPolicy,
  JetStreamApiError,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamInfo,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { nanos, type NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import {
  AGENTS_BUCKET,
  EVENTS_STREAM,
  JOBS_STREAM,
  LOCKS_BUCKET,
  RESULTS_STREAM,
  jobConsumer,
  jobSubject,
} from './names.js';
import { chooseReplicas, clusterSize, type NatsReplicas } from './replicas.js';
import { whileElecting } from './while-electing.js';

import { LOCK_LEASE_MS } from '../lock/lease.js';

export { LOCK_LEASE_MS };
const DEDUPE_WINDOW_MS = 10 * 60_000;
/** An agent has this long to finish or extend (in-progress ack) a job before it is redelivered. */
export const JOB_ACK_WAIT_MS = 10_000;

export interface NatsResourceOptions {
  /** Copies of each stream and bucket; default `auto` (3 on a cluster of 3 or more servers, else 1). */
  replicas?: NatsReplicas;
}

/** The replicas each stream (buckets as `KV_<bucket>`) has after ensureNatsResources. */
export type EnsuredReplicas = Record<string, number>;

interface ReplicaPolicy {
  option: NatsReplicas;
  /** Servers of the connected server's cluster (1 outside a cluster). */
  servers: number;
}

type StreamConfig = Parameters<JetStreamManager['streams']['add']>[0];

async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (e) {
    if (!/stream not found/i.test((e as Error).message)) throw e;
    return undefined;
  }
}

/**
 * Creates or updates one stream with the replicas the policy gives. `auto` settles for what the
 * stream has (or 1) when JetStream cannot place more copies, e.g. with a server of the cluster down;
 * a number the user chose is an error then.
 */
async function placeStream(
  name: string,
  have: number | undefined,
  policy: ReplicaPolicy,
  place: (replicas: number) => Promise<StreamInfo | undefined>,
): Promise<number> {
  const wanted = chooseReplicas(policy.option, policy.servers, have);
  try {
    return (await place(wanted))?.config.num_replicas ?? wanted;
  } catch (e) {
    if (!isPlacementError(e)) throw e;
    const fallback = have ?? 1;
    if (policy.option !== 'auto' || fallback === wanted) throw replicasRefused(name, wanted, policy.servers, e);
    return (await place(fallback))?.config.num_replicas ?? fallback;
  }
}

async function ensureStream(jsm: JetStreamManager, config: StreamConfig, policy: ReplicaPolicy): Promise<number> {
  const name = config.name!;
  const existing = await streamInfo(jsm, name);
  return placeStream(name, existing?.config.num_replicas, policy, (num_replicas) =>
    existing ? jsm.streams.update(name, { ...config, num_replicas }) : jsm.streams.add({ ...config, num_replicas }),
  );
}

/** A bucket is created by Kvm; only its replicas are changed afterwards (through its stream). */
async function ensureBucket(
  jsm: JetStreamManager,
  kvm: Kvm,
  bucket: string,
  options: { history: number; ttl?: number },
  policy: ReplicaPolicy,
): Promise<number> {
  const name = `KV_${bucket}`;
  const existing = await streamInfo(jsm, name);
  return placeStream(name, existing?.config.num_replicas, policy, async (replicas) => {
    if (!existing) {
      await kvm.create(bucket, { ...options, storage: StorageType.File, replicas });
      return undefined;
    }
    if (existing.config.num_replicas === replicas) return existing;
    return jsm.streams.update(name, { ...existing.config, num_replicas: replicas });
  });
}

/** JetStream's answers when it cannot put that many copies on the servers it has. */
function isPlacementError(e: unknown): boolean {
  // 10005: no suitable peers for placement; 10023: insufficient resources; 10074: replicas > 1 not
  // supported in non-clustered mode.
  return e instanceof JetStreamApiError && [10005, 10023, 10074].includes(e.code);
}

function replicasRefused(stream: string, replicas: number, servers: number, cause: unknown): LockerError {
  return new LockerError('USAGE', `NATS cannot keep ${replicas} replicas of ${stream}: ${(cause as Error).message}`, {
    hint:
      `the server reports ${servers === 1 ? 'no cluster' : `a cluster of ${servers} servers up`}; ` +
      'start the missing servers, or choose fewer with --nats-replicas (env LOCKER_NATS_REPLICAS)',
    cause,
  });
}

export function ensureNatsResources(
  nc: NatsConnection,
  hosts: readonly string[],
  options: NatsResourceOptions = {},
): Promise<EnsuredReplicas> {
  // Every step is idempotent: after a timeout (a cluster electing a leader) the whole pass runs again.
  return whileElecting("preparing Locker's JetStream streams", () => ensureOnce(nc, hosts, options));
}

async function ensureOnce(nc: NatsConnection, hosts: readonly string[], options: NatsResourceOptions): Promise<EnsuredReplicas> {
  const jsm = await jetstreamManager(nc);
  const policy: ReplicaPolicy = { option: options.replicas ?? 'auto', servers: clusterSize(nc.info) };
  // A server outside a cluster refuses a new stream with more than one replica, but takes an update
  // to more without keeping any: refused here for both.
  if (policy.option !== 'auto' && policy.option > 1 && !nc.info?.cluster) {
    throw replicasRefused(JOBS_STREAM, policy.option, 1, new Error('the server is not in a cluster'));
  }
  const replicas: EnsuredReplicas = {};
  replicas[JOBS_STREAM] = await ensureStream(jsm, {
    name: JOBS_STREAM,
    subjects: ['locker.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(DEDUPE_WINDOW_MS),
  }, policy);
  replicas[RESULTS_STREAM] = await ensureStream(jsm, {
    name: RESULTS_STREAM,
    subjects: ['locker.results.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(DEDUPE_WINDOW_MS),
    max_age: nanos(7 * 24 * 3600_000),
  }, policy);
  replicas[EVENTS_STREAM] = await ensureStream(jsm, {
    name: EVENTS_STREAM,
    subjects: ['locker.events.>'],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
  }, policy);
  const kvm = new Kvm(nc);
  replicas[`KV_${AGENTS_BUCKET}`] = await ensureBucket(jsm, kvm, AGENTS_BUCKET, { history: 1 }, policy);
  replicas[`KV_${LOCKS_BUCKET}`] = await ensureBucket(jsm, kvm, LOCKS_BUCKET, { history: 1, ttl: LOCK_LEASE_MS }, policy);
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
  return replicas;
}
