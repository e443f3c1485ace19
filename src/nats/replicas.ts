// How many copies of each Locker stream and bucket JetStream keeps: chosen by the user, or from the
// size of the cluster the connected server belongs to. Pure: data in, a number out.

import { LockerError } from '../errors.js';

/** `auto`: 3 on a cluster of 3 or more servers, else 1; never fewer than a stream already has. */
export type NatsReplicas = number | 'auto';

/** JetStream's own bound on a stream's replicas. */
export const MAX_REPLICAS = 5;

/** `--nats-replicas` / LOCKER_NATS_REPLICAS: `auto` or 1 to 5. */
export function parseReplicas(text: string): NatsReplicas {
  if (text === 'auto') return 'auto';
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_REPLICAS) {
    throw new LockerError('USAGE', `--nats-replicas must be auto or an integer from 1 to ${MAX_REPLICAS}, got "${text}"`, {
      hint: 'auto gives 3 replicas on a NATS cluster of 3 or more servers and 1 on a single server',
    });
  }
  return n;
}

/** What a server says of itself on connecting (its INFO): its cluster, and the client URLs of every member. */
export interface ServerInfoLike {
  cluster?: string;
  connect_urls?: string[];
}

/**
 * The servers of the cluster the connected server is in, as it advertises them to clients (itself
 * included); 1 outside a cluster. A server that is down is not advertised, and one listening on several
 * addresses advertises each: `auto` looks at this only to raise replicas, and falls back if JetStream
 * cannot place them.
 */
export function clusterSize(info: ServerInfoLike | undefined): number {
  if (!info?.cluster) return 1;
  return Math.max(1, new Set(info.connect_urls ?? []).size);
}

/**
 * The replicas a stream gets. A number is taken as is (it may lower them). `auto` gives 3 on a cluster
 * of 3 or more, and never lowers what a stream has: a cluster seen with a server down must not shrink it.
 */
export function chooseReplicas(option: NatsReplicas, servers: number, existing?: number): number {
  if (option !== 'auto') return option;
  return Math.max(existing ?? 1, servers >= 3 ? 3 : 1);
}
