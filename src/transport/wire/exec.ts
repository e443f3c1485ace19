// `locker exec` over NATS. The control point subscribes to execOutputSubject(id, host), then asks on
// execSubject(host); the agent answers at once (accepted, or why not), then publishes the command's output
// there in numbered messages (`out` chunks, an `alive` every few seconds, and last `exit` or `failed`).

import { z } from 'zod';
import type { LockerErrorJSON } from '../../errors.js';
import { EXEC_MAX_ARGS } from '../../rules/exec-argv.js';
import type { ExecRequest } from '../types.js';
import { wireMessage } from './codec.js';
import { errorJsonSchema } from './result.js';

export const EXEC_ID = /^[0-9a-f]{32}$/;

export interface ExecRequestMessage extends ExecRequest {
  /** Names the output subject: random per exec, so two execs never share one. */
  execId: string;
}

/** Strict, as a job is: an agent runs nothing of a request it does not wholly understand. */
export const execRequestMessage = wireMessage<ExecRequestMessage>(
  'exec request',
  z.strictObject({
    execId: z.string().regex(EXEC_ID),
    project: z.string().max(253),
    container: z.string().max(253),
    lxcName: z.string().max(253),
    argv: z.array(z.string()).max(EXEC_MAX_ARGS),
  }),
);

export type ExecReply = { ok: true } | { ok: false; error: LockerErrorJSON };

export const execReply = wireMessage<ExecReply>(
  'exec reply',
  z.discriminatedUnion('ok', [z.looseObject({ ok: z.literal(true) }), z.looseObject({ ok: z.literal(false), error: errorJsonSchema })]),
);

/** `seq` counts from 0 per exec: a gap is output lost on the way (core NATS delivers at most once). */
export type ExecOutput =
  | { seq: number; type: 'out'; stream: 'stdout' | 'stderr'; /** base64 */ data: string }
  | { seq: number; type: 'alive' }
  | { seq: number; type: 'exit'; exitCode: number; signal?: string }
  | { seq: number; type: 'failed'; error: LockerErrorJSON };

const seq = z.number().int().nonnegative();

export const execOutputMessage = wireMessage<ExecOutput>(
  'exec output',
  z.discriminatedUnion('type', [
    z.looseObject({ seq, type: z.literal('out'), stream: z.enum(['stdout', 'stderr']), data: z.base64() }),
    z.looseObject({ seq, type: z.literal('alive') }),
    z.looseObject({ seq, type: z.literal('exit'), exitCode: z.number().int().min(0).max(255), signal: z.string().optional() }),
    z.looseObject({ seq, type: z.literal('failed'), error: errorJsonSchema }),
  ]),
);
