// In a NATS cluster, JetStream does not answer for a few seconds while a stream (or the cluster's
// metadata) elects a new leader, e.g. after a server died. Idempotent calls are tried again meanwhile.

import { JetStreamApiError } from '@nats-io/jetstream';
import { errors } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';

/** Longer than an election after a server died, short enough for a user waiting on a command. */
export const ELECTION_PATIENCE_MS = 30_000;
/** JetStream's "JetStream system temporarily unavailable": no metadata leader yet. */
const TEMPORARILY_UNAVAILABLE = 10008;

/** A timeout, or JetStream saying it has no leader yet; not "JetStream is not enabled" (no responders). */
export function isElecting(e: unknown): boolean {
  return e instanceof errors.TimeoutError || (e instanceof JetStreamApiError && e.code === TEMPORARILY_UNAVAILABLE);
}

/** Runs `f` (which must be safe to repeat) until it settles other than by an election, or patience runs out. */
export async function whileElecting<T>(what: string, f: () => Promise<T>, patienceMs = ELECTION_PATIENCE_MS): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (!isElecting(e)) throw e;
      if (Date.now() > deadline) {
        throw new LockerError('AGENT_OFFLINE', `${what}: JetStream did not answer for ${patienceMs / 1000} s (${(e as Error).message})`, {
          hint: 'is nats-server running with JetStream? In a cluster, more than half of the servers must be up for it to answer',
          retryable: true,
          cause: e,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 2_000)));
    }
  }
}
