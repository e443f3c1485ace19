// Which agents are alive: each agent publishes a heartbeat into its key of the agents bucket, the
// control point reads the bucket. Agents only write their own key (and read it back: agents-bucket.ts).

import type { JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import { heartbeatMessage, type AgentHeartbeat } from '../transport/wire/index.js';
import { AGENTS_BUCKET, DOWN_AFTER_MS, heartbeatSubject } from './names.js';

export { parseHeartbeat, type AgentHeartbeat } from '../transport/wire/index.js';

export interface AgentStatus extends AgentHeartbeat {
  up: boolean;
  /** Time since the server stored the last heartbeat. */
  ageMs: number;
}

/**
 * A plain JetStream publish on the key's subject is a KV put that needs no bucket API: the
 * agent's user may publish on its own key and nothing else. With `expectRevision` it is a
 * compare-and-set (JetStream refuses it once anyone else wrote the key). Its new revision.
 */
export async function publishHeartbeat(js: JetStreamClient, hb: AgentHeartbeat, expectRevision?: number): Promise<number> {
  const ack = await js.publish(
    heartbeatSubject(hb.host),
    heartbeatMessage.encode(hb),
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
  const heartbeat = heartbeatMessage.decode(entry.value, heartbeatSubject(host));
  const ageMs = Math.max(0, Date.now() - entry.created.getTime());
  return { ...heartbeat, up: ageMs < DOWN_AFTER_MS, ageMs };
}
