// What a test reads of a NATS cluster: the clients each server holds (its monitoring endpoint's /connz),
// and, through JetStream, where each of Locker's streams and job consumers has its leader and whether
// every replica has caught up.

import { jetstreamManager, type ClusterInfo } from '@nats-io/jetstream';
import { connectNats } from '../../src/nats/connect.js';
import { JOBS_STREAM } from '../../src/nats/names.js';

/** The names of the clients connected to one server (`locker-agent alpha`, `locker-control PROJECT`, ...). */
export async function clientNames(monitor: string): Promise<string[]> {
  const res = await fetch(`${monitor}/connz?limit=4096`);
  if (!res.ok) throw new Error(`${monitor}/connz answered ${res.status}`);
  const body = (await res.json()) as { connections?: Array<{ name?: string }> };
  return (body.connections ?? []).map((c) => c.name ?? '');
}

/** A stream, or a consumer of LOCKER_JOBS (`LOCKER_JOBS/agent_alpha`), and its raft group. */
export interface Placement {
  name: string;
  replicas: number;
  leader?: string;
  /** Every server holding a copy, the leader first. */
  peers: string[];
  /** Every follower is current (has caught up with the leader). */
  current: boolean;
  /** Each follower as the leader reports it: `locker-2 current lag 0 active 12ms`. */
  followers: string[];
}

function placement(name: string, replicas: number, cluster: ClusterInfo | undefined): Placement {
  const followers = cluster?.replicas ?? [];
  return {
    name,
    replicas,
    leader: cluster?.leader,
    peers: [...(cluster?.leader ? [cluster.leader] : []), ...followers.map((r) => r.name)],
    current: followers.every((r) => r.current && !r.offline),
    followers: followers.map((r) => `${r.name}${r.current ? ' current' : ' behind'}${r.offline ? ' offline' : ''} lag ${r.lag ?? '?'} active ${r.active ?? '?'}`),
  };
}

/** Locker's streams (buckets as KV_*) and its job consumers, read as the control point's user. */
export async function placements(url: string, credsFile?: string): Promise<Placement[]> {
  const nc = await connectNats({ url, credsFile, name: 'test placement reader' });
  try {
    const jsm = await jetstreamManager(nc);
    const out: Placement[] = [];
    // Names from the cluster's metadata, then each stream's own info: a listing leaves out the streams
    // that do not answer in time (one whose replicas are being changed).
    for await (const name of jsm.streams.names()) {
      const s = await jsm.streams.info(name);
      out.push(placement(name, s.config.num_replicas, s.cluster));
    }
    for await (const c of jsm.consumers.list(JOBS_STREAM)) {
      out.push(placement(`${JOBS_STREAM}/${c.name}`, c.config.num_replicas || out.find((p) => p.name === JOBS_STREAM)!.replicas, c.cluster));
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    await nc.close();
  }
}
