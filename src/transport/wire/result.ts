// What an agent says about a job on resultSubject(host): `started` when it begins, `finished` with the
// job's result. A failure's error is a LockerError's JSON, the same object `--json` prints.

import { z } from 'zod';
import { isErrorCode, type LockerErrorJSON } from '../../errors.js';
import type { JobResult } from '../types.js';
import { wireMessage } from './codec.js';

const location = z.looseObject({
  file: z.string(),
  line: z.number().int(),
  col: z.number().int(),
  path: z.string().optional(),
});

const systemError = z.looseObject({ name: z.string(), message: z.string() });

/**
 * Loose: an agent of a newer version may add fields. A code this version does not know becomes
 * INTERNAL, with the agent's code kept at the front of the message.
 */
export const errorJsonSchema: z.ZodType<LockerErrorJSON, unknown> = z
  .looseObject({
    name: z.literal('LockerError'),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    hint: z.string().optional(),
    location: location.optional(),
    detail: z.string().optional(),
    cause: z.lazy(() => z.union([errorJsonSchema, systemError])).optional(),
  })
  .transform((e): LockerErrorJSON => {
    const { code, message, cause, ...rest } = e;
    const known = isErrorCode(code) ? { code, message } : { code: 'INTERNAL' as const, message: `[${code}] ${message}` };
    return { ...rest, ...known, ...(cause === undefined ? {} : { cause: cause as LockerErrorJSON['cause'] }) };
  });

export const jobResultSchema: z.ZodType<JobResult, unknown> = z.discriminatedUnion('ok', [
  z.looseObject({
    ok: z.literal(true),
    outcome: z.enum(['done', 'adopted']),
    detail: z.string().optional(),
    warning: z.string().optional(),
    output: z.string().optional(),
  }),
  z.looseObject({ ok: z.literal(false), error: errorJsonSchema, output: z.string().optional() }),
]);

const scope = { runId: z.string().min(1), actionId: z.string().min(1), attempt: z.number().int().positive(), host: z.string().min(1) };

/** What an agent publishes on resultSubject(host) about one job. */
export type JobResultMessage =
  | { type: 'started'; runId: string; actionId: string; attempt: number; host: string }
  /** Lines the job's commands printed (provision), numbered from 0 per job: shown live, never stored by the control point. */
  | { type: 'output'; runId: string; actionId: string; attempt: number; host: string; part: number; lines: string[] }
  | { type: 'finished'; runId: string; actionId: string; attempt: number; host: string; result: JobResult };

export const resultMessage = wireMessage<JobResultMessage>(
  'job result message',
  z.discriminatedUnion('type', [
    z.looseObject({ type: z.literal('started'), ...scope }),
    z.looseObject({ type: z.literal('output'), ...scope, part: z.number().int().nonnegative(), lines: z.array(z.string()) }),
    z.looseObject({ type: z.literal('finished'), ...scope, result: jobResultSchema }),
  ]),
);
