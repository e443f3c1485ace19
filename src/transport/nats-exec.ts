// The control point's side of `locker exec` over NATS (protocol: wire/exec.ts). The output subject is
// listened to before the request goes out, so nothing the agent streams can come before the listener.

import { randomBytes } from 'node:crypto';
import { errors, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { LockerError } from '../errors.js';
import { execOutputSubject, execSubject } from '../nats/names.js';
import type { ExecRequest, ExecResult, ExecSink } from './types.js';
import { execOutputMessage, execReply, execRequestMessage } from './wire/index.js';

/** No message at all (not even an `alive`, sent every 2 s) for this long: the agent is gone. */
export const EXEC_SILENCE_MS = 15_000;

export interface NatsExecOptions {
  /** How long the agent has to accept or refuse the request. */
  acceptTimeoutMs: number;
  silenceMs?: number;
  /** What to say when the host's agent does not answer. */
  offline(host: string, cause: unknown): LockerError;
}

export async function execOverNats(nc: NatsConnection, host: string, request: ExecRequest, sink: ExecSink, o: NatsExecOptions): Promise<ExecResult> {
  const execId = randomBytes(16).toString('hex');
  const output = listen(nc, execOutputSubject(execId, host), sink, host, o.silenceMs ?? EXEC_SILENCE_MS);
  try {
    const subject = execSubject(host);
    let data: Uint8Array;
    try {
      data = (await nc.request(subject, execRequestMessage.encode({ execId, ...request }), { timeout: o.acceptTimeoutMs })).data;
    } catch (e) {
      if (e instanceof errors.TimeoutError || e instanceof errors.RequestError || e instanceof errors.NoRespondersError) throw o.offline(host, e);
      throw e;
    }
    const reply = execReply.decode(data, subject);
    if (!reply.ok) throw LockerError.fromJSON(reply.error);
    output.watch();
    return await output.result;
  } finally {
    output.sub.unsubscribe();
  }
}

interface Listener {
  sub: Subscription;
  result: Promise<ExecResult>;
  /** From now on, silence means the agent is gone. */
  watch(): void;
}

function listen(nc: NatsConnection, subject: string, sink: ExecSink, host: string, silenceMs: number): Listener {
  let settle!: { resolve: (r: ExecResult) => void; reject: (e: Error) => void };
  const result = new Promise<ExecResult>((resolve, reject) => (settle = { resolve, reject }));
  // Unhandled until watch(): a refused request never reads it.
  result.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let watching = false;
  const arm = () => {
    if (!watching) return;
    clearTimeout(timer);
    timer = setTimeout(() => settle.reject(silent(host, silenceMs)), silenceMs);
  };
  const finish = (how: () => void) => {
    clearTimeout(timer);
    watching = false;
    how();
  };
  let expected = 0;
  const sub = nc.subscribe(subject, {
    callback: (err, m) => {
      if (err) return finish(() => settle.reject(err));
      let out;
      try {
        out = execOutputMessage.decode(m.data, m.subject);
      } catch (e) {
        return finish(() => settle.reject(e as Error));
      }
      if (out.seq !== expected) return finish(() => settle.reject(lost(host, expected, out.seq)));
      expected += 1;
      arm();
      if (out.type === 'out') (out.stream === 'stdout' ? sink.stdout : sink.stderr)(Buffer.from(out.data, 'base64'));
      else if (out.type === 'exit') finish(() => settle.resolve(out.signal === undefined ? { exitCode: out.exitCode } : { exitCode: out.exitCode, signal: out.signal }));
      else if (out.type === 'failed') finish(() => settle.reject(LockerError.fromJSON(out.error)));
    },
  });
  return {
    sub,
    result,
    watch: () => {
      watching = true;
      arm();
    },
  };
}

function silent(host: string, silenceMs: number): LockerError {
  return new LockerError('AGENT_OFFLINE', `the agent of host "${host}" went silent for ${silenceMs / 1000} s while the command ran`, {
    hint: 'the command may still be running in the container; `locker hosts` shows whether the agent is up',
    retryable: true,
  });
}

function lost(host: string, expected: number, got: number): LockerError {
  return new LockerError('AGENT_OFFLINE', `output of the command from host "${host}" was lost on the way (message ${expected} missing, got ${got})`, {
    hint: 'core NATS drops messages for a slow reader; the command itself ran on',
    retryable: true,
  });
}
