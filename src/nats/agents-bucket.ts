// The agents bucket as an agent sees it: created if missing (so a fresh agent reports before any control
// point ran), and its own key read back. Only the two API subjects nats-config grants an agent are used.

import { JetStreamApiError, jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { AGENTS_BUCKET, AGENTS_STREAM, heartbeatSubject } from './names.js';
import { chooseReplicas, clusterSize } from './replicas.js';

/** JetStream's "stream name already in use with a different configuration": it exists, as someone made it. */
const STREAM_NAME_EXISTS = 10058;
/** JetStream cannot place that many replicas (see ensure-resources). */
const PLACEMENT_ERRORS = [10005, 10023, 10074];

/**
 * The stream a `Kvm.create(AGENTS_BUCKET, { history: 1 })` makes, field for field: the control
 * point's ensureNatsResources finds the bucket an agent made as if it had made it itself.
 */
export function agentsStreamConfig(replicas: number): Parameters<JetStreamManager['streams']['add']>[0] {
  return {
    name: AGENTS_STREAM,
    subjects: [`$KV.${AGENTS_BUCKET}.>`],
    retention: 'limits',
    max_msgs_per_subject: 1,
    max_bytes: -1,
    max_msg_size: -1,
    storage: 'file',
    discard: 'new',
    allow_direct: true,
    allow_rollup_hdrs: true,
    num_replicas: replicas,
  } as Parameters<JetStreamManager['streams']['add']>[0];
}

/** Creates the agents bucket unless it exists. Idempotent; never changes a bucket that exists. */
export async function createAgentsBucket(nc: NatsConnection): Promise<void> {
  // No account info check: the agent's user may call nothing but what it is granted.
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const replicas = chooseReplicas('auto', clusterSize(nc.info));
  try {
    await jsm.streams.add(agentsStreamConfig(replicas));
  } catch (e) {
    if (e instanceof JetStreamApiError && e.code === STREAM_NAME_EXISTS) return;
    if (e instanceof JetStreamApiError && PLACEMENT_ERRORS.includes(e.code) && replicas > 1) {
      await createAgentsBucketWith(jsm, 1);
      return;
    }
    throw e;
  }
}

async function createAgentsBucketWith(jsm: JetStreamManager, replicas: number): Promise<void> {
  try {
    await jsm.streams.add(agentsStreamConfig(replicas));
  } catch (e) {
    if (!(e instanceof JetStreamApiError && e.code === STREAM_NAME_EXISTS)) throw e;
  }
}

/** A host's key as stored: its revision, the server's time of the write, and the value (undefined once deleted). */
export interface StoredHeartbeat {
  revision: number;
  /** When the server stored it (the server's clock). */
  storedAt: Date;
  value?: unknown;
  /** The raw text, for errors. */
  text: string;
}

/** The last heartbeat of `host`, by a direct get on its own subject; null when it never reported. */
export async function readHeartbeat(nc: NatsConnection, host: string): Promise<StoredHeartbeat | null> {
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const msg = await jsm.direct.getMessage(AGENTS_STREAM, { last_by_subj: heartbeatSubject(host) });
  if (msg === null) return null;
  return toStored(msg);
}

function toStored(msg: StoredMsg): StoredHeartbeat {
  const operation = msg.header?.get('KV-Operation');
  const text = msg.string();
  const deleted = operation === 'DEL' || operation === 'PURGE';
  let value: unknown;
  if (!deleted) {
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
  }
  return { revision: msg.seq, storedAt: msg.time, text, ...(deleted ? {} : { value }) };
}
