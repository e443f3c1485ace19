// An agent's side of `locker exec` over NATS: checks the request as the embedded agent does, answers
// accepted or why not, then streams the command's output to execOutputSubject in numbered messages, with
// an `alive` every few seconds so the control point can tell a silent command from a dead agent.

import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { toLockerError } from '../src/errors.js';
import { execOutputSubject } from '../src/nats/names.js';
import type { ExecResult } from '../src/transport/types.js';
import { execOutputMessage, execReply, execRequestMessage, type ExecOutput, type ExecRequestMessage } from '../src/transport/wire/index.js';
import type { LocalAgent } from './local-agent.js';

/** How often a running command's stream says the agent is still there. */
export const EXEC_ALIVE_MS = 2_000;

type Unnumbered = ExecOutput extends infer O ? (O extends ExecOutput ? Omit<O, 'seq'> : never) : never;

export async function serveExec(msg: Msg, o: { nc: NatsConnection; host: string; agent: LocalAgent; log: (line: string) => void }): Promise<void> {
  let request: ExecRequestMessage;
  let run;
  try {
    request = execRequestMessage.decode(msg.data, msg.subject);
    run = await o.agent.prepareExec(request);
  } catch (e) {
    const error = toLockerError(e);
    o.log(`host=${o.host} exec refused: error[${error.code}] ${error.message}`);
    msg.respond(execReply.encode({ ok: false, error: error.toJSON() }));
    return;
  }
  msg.respond(execReply.encode({ ok: true }));
  const subject = execOutputSubject(request.execId, o.host);
  let seq = 0;
  const send = (output: Unnumbered) => o.nc.publish(subject, execOutputMessage.encode({ ...output, seq: seq++ } as ExecOutput));
  const alive = setInterval(() => send({ type: 'alive' }), EXEC_ALIVE_MS);
  const chunk = (stream: 'stdout' | 'stderr') => (data: Uint8Array) => send({ type: 'out', stream, data: Buffer.from(data).toString('base64') });
  try {
    const result: ExecResult = await run({ stdout: chunk('stdout'), stderr: chunk('stderr') });
    send({ type: 'exit', ...result });
    o.log(`host=${o.host} exec in ${request.lxcName}: ${JSON.stringify(request.argv)} exited ${result.exitCode}`);
  } catch (e) {
    send({ type: 'failed', error: toLockerError(e).toJSON() });
  } finally {
    clearInterval(alive);
  }
}
