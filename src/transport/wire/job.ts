// A job on jobSubject(host): strict, unlike what agents report back. An agent must understand every
// field of what it is asked to do, so a field it does not know refuses the job. The agent's own safety
// checks (names, paths, mount policy) come after, in agents/validate-job.ts.

import { z } from 'zod';
import { plannedActionSchema } from '../../../plans/plan-schema.js';
import type { LockerError } from '../../errors.js';
import { parseJobMessageId } from '../../nats/names.js';
import type { Job } from '../types.js';
import { parseJson, wireMessage } from './codec.js';

export const jobMessage = wireMessage<Job>(
  'job',
  z.strictObject({
    runId: z.string().min(1),
    planId: z.string(),
    attempt: z.number().int().positive(),
    action: plannedActionSchema,
  }),
);

/** Which run, action and attempt a job message is about. */
export interface JobKey {
  runId: string;
  actionId: string;
  attempt: number;
}

const jobKeySchema = z.object({ runId: z.string().min(1), attempt: z.number().int().positive(), action: z.object({ id: z.string().min(1) }) });

export type ReadJob = { ok: true; job: Job } | { ok: false; error: LockerError; key?: JobKey };

/**
 * A job off the wire. One that is not a job still names its run/action/attempt when it can (from its
 * own fields, else from its JetStream msgID), so that its sender gets an answer instead of waiting.
 */
export function readJob(data: Uint8Array, subject: string, msgId: string | undefined): ReadJob {
  let value: unknown;
  try {
    value = parseJson(data, jobMessage.what, subject);
    return { ok: true, job: jobMessage.check(value, subject) };
  } catch (e) {
    const named = jobKeySchema.safeParse(value);
    const key = named.success ? { runId: named.data.runId, actionId: named.data.action.id, attempt: named.data.attempt } : parseJobMessageId(msgId);
    return key === undefined ? { ok: false, error: e as LockerError } : { ok: false, error: e as LockerError, key };
  }
}

const jobKindSchema = z.object({ action: z.object({ kind: z.string() }) });

/**
 * The action kind a job message names, read before the job is handled and without checking the rest
 * ('' when it names none): enough for an agent to count its slots (a stop takes none).
 */
export function jobKindOf(data: Uint8Array): string {
  try {
    const named = jobKindSchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
    return named.success ? named.data.action.kind : '';
  } catch {
    return '';
  }
}
