// Connecting to NATS as a user: a URL, optional credentials from a file written by `locker nats-config`.
// A missing or unreachable server gives one actionable error, never a stack trace.

import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import { assertCredentialsFit, natsAuthError, type NatsIdentity, type NatsRole } from './auth.js';

export interface NatsCredentials {
  user: string;
  password: string;
}

/** Credentials file: JSON `{"user": "...", "password": "..."}`. */
export function readCredentials(file: string): NatsCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LockerError('USAGE', `cannot read NATS credentials ${file}: ${(e as Error).message}`, {
      hint: 'credentials files are written by `locker nats-config`',
    });
  }
  const c = parsed as Partial<NatsCredentials>;
  if (typeof c?.user !== 'string' || typeof c.password !== 'string') {
    throw new LockerError('USAGE', `NATS credentials ${file} must hold "user" and "password"`);
  }
  return { user: c.user, password: c.password };
}

/**
 * `--nats` / LOCKER_NATS_URL: one server, or several of one cluster separated by commas
 * (`nats://a:4222,nats://b:4222`). The client starts with any of them and moves to another when its
 * server goes away; the servers also tell it about the rest of their cluster.
 */
export function parseNatsServers(url: string): string[] {
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (servers.length === 0) {
    throw new LockerError('USAGE', `no NATS server in "${url}"`, {
      hint: 'give one URL (nats://HOST:4222) or several of one cluster separated by commas',
    });
  }
  return servers;
}

export interface ConnectOptions {
  /** One server URL, or several separated by commas (see parseNatsServers). */
  url: string;
  credsFile?: string;
  /** Name shown by the server (`nats server report connections`). */
  name: string;
  inboxPrefix?: string;
  /** Keep retrying the first connection (agents wait for their server; the CLI fails fast). */
  waitOnFirstConnect?: boolean;
  /** Who connects, for the checks of its credentials and the words of a refusal; default the control point. */
  role?: NatsRole;
}

/** Each connection's identity, so a refusal anywhere later can name the credentials file and its user. */
const identities = new WeakMap<NatsConnection, { identity: NatsIdentity; role: NatsRole }>();

/** The server's refusal of this connection's user (a NATS_AUTH error naming its file), or undefined for any other error. */
export function refusalOf(nc: NatsConnection, e: unknown): LockerError | undefined {
  const known = identities.get(nc);
  return known ? natsAuthError(e, known.identity, known.role) : undefined;
}

/** Who a connection made by connectNats is: URL, credentials file, user. */
export function identityOf(nc: NatsConnection): NatsIdentity | undefined {
  return identities.get(nc)?.identity;
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const creds = options.credsFile ? readCredentials(options.credsFile) : undefined;
  const servers = parseNatsServers(options.url);
  const role = options.role ?? { kind: 'control' };
  const identity: NatsIdentity = { url: options.url, ...(creds ? { credsFile: options.credsFile, user: creds.user } : {}) };
  assertCredentialsFit(identity, role);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: options.name,
      ...(creds ? { user: creds.user, pass: creds.password } : {}),
      ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
    });
  } catch (e) {
    const refused = natsAuthError(e, identity, role);
    if (refused) throw refused;
    throw new LockerError('AGENT_OFFLINE', `cannot connect to NATS at ${options.url}: ${(e as Error).message}`, {
      hint: 'start nats-server with JetStream (see README, "Many hosts"), or check --nats and --creds',
      retryable: true,
      cause: e,
    });
  }
  identities.set(nc, { identity, role });
  return nc;
}
