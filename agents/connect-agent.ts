// An agent's connection to NATS: says where it connects and as whom, says what fails and keeps
// retrying (a server that is not up yet is normal), and reports later disconnections and reconnections.

import type { NatsConnection } from '@nats-io/transport-node';
import { natsRefusal, toLockerError } from '../src/errors.js';
import { connectNats, readCredentials } from '../src/nats/connect.js';
import { agentInboxPrefix } from '../src/nats/names.js';

export interface ConnectAgentOptions {
  host: string;
  url: string;
  credsFile?: string;
  log(line: string): void;
}

const RETRY_MS = 2_000;
/** A failure that does not change is said again this often, so a log tail shows the agent is still at it. */
const REMIND_MS = 30_000;

/**
 * Connects, retrying while the server cannot be reached, until it succeeds or the process is stopped.
 * Credentials the server refuses end it at once (NATS_AUTH): retrying cannot fix them.
 */
export async function connectAgent(o: ConnectAgentOptions): Promise<NatsConnection> {
  const as = o.credsFile === undefined ? 'without credentials (no --creds)' : `as user ${readCredentials(o.credsFile).user} (${o.credsFile})`;
  o.log(`host=${o.host} connecting to ${o.url} ${as}`);
  const since = Date.now();
  let failure: string | undefined;
  let toldAt = 0;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const nc = await connectNats({
        url: o.url,
        credsFile: o.credsFile,
        name: `locker-agent ${o.host}`,
        inboxPrefix: agentInboxPrefix(o.host),
        role: { kind: 'agent', host: o.host },
      });
      const after = attempts > 1 ? ` after ${attempts - 1} failed attempt(s) in ${Math.round((Date.now() - since) / 1000)} s` : '';
      o.log(`host=${o.host} connected to ${nc.getServer()}${after}`);
      watchConnection(nc, o);
      return nc;
    } catch (e) {
      const error = toLockerError(e);
      if (error.code !== 'AGENT_OFFLINE') throw error;
      const reason = error.cause instanceof Error ? error.cause.message : error.message;
      if (reason !== failure || Date.now() - toldAt >= REMIND_MS) {
        const how = reason === failure ? `still failing after ${Math.round((Date.now() - since) / 1000)} s` : 'retrying';
        o.log(`host=${o.host} cannot connect to ${o.url}: ${reason} (${how}, every ${RETRY_MS / 1000} s)`);
        failure = reason;
        toldAt = Date.now();
      }
      await sleep(RETRY_MS);
    }
  }
}

/** nats.js reconnects by itself; the log says when the server went away and when it is back. */
function watchConnection(nc: NatsConnection, o: ConnectAgentOptions): void {
  let lastError: string | undefined;
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') o.log(`host=${o.host} disconnected from ${s.server}: reconnecting (jobs in hand go on)`);
      else if (s.type === 'reconnect') o.log(`host=${o.host} reconnected to ${s.server}`);
      // A refused subject is reported by the call it refused (and stops the agent): not twice.
      else if (s.type === 'error' && s.error.message !== lastError && natsRefusal(s.error) === undefined) {
        lastError = s.error.message;
        o.log(`host=${o.host} NATS server error: ${s.error.message}`);
      }
    }
  })().catch(() => undefined);
}

/** Not unref'd: while no server answers, this timer is all that keeps the agent's process alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
