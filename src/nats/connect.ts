// Connecting to NATS as a user: a URL, optional credentials from a file written by `locker nats-config`.
// A missing or unreachable server gives one actionable error, never a stack trace.

import { readFileSync } from 'node:fs';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';

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

export interface ConnectOptions {
  url: string;
  credsFile?: string;
  /** Name shown by the server (`nats server report connections`). */
  name: string;
  inboxPrefix?: string;
  /** Keep retrying the first connection (agents wait for their server; the CLI fails fast). */
  waitOnFirstConnect?: boolean;
}

export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const creds = options.credsFile ? readCredentials(options.credsFile) : undefined;
  try {
    return await connect({
      servers: options.url,
      name: options.name,
      ...(creds ? { user: creds.user, pass: creds.password } : {}),
      ...(options.inboxPrefix ? { inboxPrefix: options.inboxPrefix } : {}),
      waitOnFirstConnect: options.waitOnFirstConnect ?? false,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: 5000,
    });
  } catch (e) {
    throw new LockerError('AGENT_OFFLINE', `cannot connect to NATS at ${options.url}: ${(e as Error).message}`, {
      hint: 'start nats-server with JetStream (see README, "Many hosts"), or check --nats and --creds',
      retryable: true,
      cause: e,
    });
  }
}
