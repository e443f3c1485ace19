// Which agents are alive: each agent publishes a heartbeat into its key of the agents bucket, the
// control point reads the bucket. Agents only write their own key (and read it back: agents-bucket.ts).

import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { LockerError } from '../errors.js';
import { AGENTS_BUCKET, DOWN_AFTER_MS, heartbeatSubject } from './names.js';

export interface AgentHeartbeat {
  host: string;
  lxcpath: string;
  pid: number;
  version: string;
  /** ISO-8601, the agent's clock. */
  at: string;
  /** The machine the agent runs on (its hostname), to tell two agents claiming one host name apart. */
  machine?: string;
  /** Random per agent process: the heartbeat key is a lease, and this says whose it is. */
  instance?: string;
  /** The last ObservedHost the agent saw, so a host can be planned while its agent is down. */
  observed?: unknown;
}

export interface AgentStatus extends AgentHeartbeat {
  up: boolean;
  /** Time since the server stored the last heartbeat. */
  ageMs: number;
}

// Loose on purpose: an agent of a newer version may add fields.
const heartbeatSchema = z.looseObject({
  host: z.string(),
  lxcpath: z.string(),
  pid: z.number().int(),
  version: z.string(),
  at: z.string(),
  machine: z.string().optional(),
  instance: z.string().optional(),
  observed: z.unknown().optional(),
});

/** A heartbeat's value, or undefined when it is not one (another version's, or damaged). */
export function parseHeartbeat(value: unknown): AgentHeartbeat | undefined {
  const parsed = heartbeatSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * A plain JetStream publish on the key's subject is a KV put that needs no bucket API: the
 * agent's user may publish on its own key and nothing else. With `expectRevision` it is a
 * compare-and-set (JetStream refuses it once anyone else wrote the key). Its new revision.
 */
export async function publishHeartbeat(js: JetStreamClient, hb: AgentHeartbeat, expectRevision?: number): Promise<number> {
  const ack = await js.publish(
    heartbeatSubject(hb.host),
    JSON.stringify(hb),
    expectRevision === undefined ? undefined : { expect: { lastSubjectSequence: expectRevision } },
  );
  return ack.seq;
}

/** Every agent that ever reported, by host name. */
export async function listAgents(nc: NatsConnection): Promise<AgentStatus[]> {
  const kv = await openAgents(nc);
  const hosts: string[] = [];
  for await (const key of await kv.keys()) hosts.push(key);
  const agents: AgentStatus[] = [];
  for (const host of hosts.sort()) {
    const agent = toStatus(host, await kv.get(host));
    if (agent) agents.push(agent);
  }
  return agents;
}

/** The host names of every agent that ever reported, sorted, without reading their heartbeats. */
export async function listAgentHosts(nc: NatsConnection): Promise<string[]> {
  const kv = await openAgents(nc);
  const hosts: string[] = [];
  for await (const key of await kv.keys()) hosts.push(key);
  return hosts.sort();
}

export async function getAgent(nc: NatsConnection, host: string): Promise<AgentStatus | undefined> {
  const kv = await openAgents(nc);
  return toStatus(host, await kv.get(host));
}

async function openAgents(nc: NatsConnection): Promise<KV> {
  try {
    return await new Kvm(nc).open(AGENTS_BUCKET);
  } catch (e) {
    throw new LockerError('AGENT_OFFLINE', `cannot open the agents bucket ${AGENTS_BUCKET}: ${(e as Error).message}`, {
      hint: 'check that nats-server runs with JetStream; the control point creates the bucket on connecting',
      retryable: true,
      cause: e,
    });
  }
}

/**
 * Age is measured from the server's timestamp of the entry, not the agent's `at`: the clocks
 * of the hosts may disagree, the server's is one clock for all of them.
 */
function toStatus(host: string, entry: KvEntry | null): AgentStatus | undefined {
  if (entry === null || entry.operation !== 'PUT') return undefined;
  let value: unknown;
  try {
    value = entry.json();
  } catch (e) {
    throw unreadable(host, `not JSON (${(e as Error).message})`);
  }
  const parsed = heartbeatSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unreadable(host, `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'rejected'}`);
  }
  const ageMs = Math.max(0, Date.now() - entry.created.getTime());
  return { ...parsed.data, up: ageMs < DOWN_AFTER_MS, ageMs };
}

function unreadable(host: string, why: string): LockerError {
  return new LockerError('AGENT_OFFLINE', `the heartbeat of host ${host} in ${AGENTS_BUCKET} is not readable: ${why}`, {
    hint: 'run the same locker version on every host and on the control point',
  });
}
