// Reads a job off the wire: JSON with the Job's outer shape. LocalAgent.runJob checks the action itself.
// A message that is not a job still names its run/action/attempt when it can, so its sender gets an answer.

import type { Job } from '../src/transport/types.js';

export interface JobKey {
  runId: string;
  actionId: string;
  attempt: number;
}

export type ParsedJobMessage = { ok: true; job: Job } | { ok: false; reason: string; key?: JobKey };

export function parseJobMessage(data: Uint8Array, msgId: string | undefined): ParsedJobMessage {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (e) {
    return bad(`not JSON: ${(e as Error).message}`, keyFromMsgId(msgId));
  }
  const key = keyFromJob(value) ?? keyFromMsgId(msgId);
  if (typeof value !== 'object' || value === null) return bad('not an object', key);
  const j = value as Record<string, unknown>;
  if (typeof j.runId !== 'string' || j.runId === '') return bad('runId is missing', key);
  if (typeof j.planId !== 'string') return bad('planId is missing', key);
  if (!isAttempt(j.attempt)) return bad('attempt is not a positive integer', key);
  const a = j.action as Record<string, unknown> | null | undefined;
  if (typeof a !== 'object' || a === null) return bad('action is missing', key);
  for (const field of ['id', 'host', 'project', 'container', 'lxcName', 'kind'] as const) {
    if (typeof a[field] !== 'string') return bad(`action.${field} is not a string`, key);
  }
  const params = a.params as Record<string, unknown> | null | undefined;
  if (typeof params !== 'object' || params === null || typeof params.kind !== 'string') {
    return bad('action.params.kind is missing', key);
  }
  return { ok: true, job: value as Job };
}

function bad(reason: string, key: JobKey | undefined): ParsedJobMessage {
  return key ? { ok: false, reason, key } : { ok: false, reason };
}

function isAttempt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

function keyFromJob(value: unknown): JobKey | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const j = value as { runId?: unknown; attempt?: unknown; action?: { id?: unknown } | null };
  const actionId = typeof j.action === 'object' && j.action !== null ? j.action.id : undefined;
  if (typeof j.runId !== 'string' || j.runId === '' || typeof actionId !== 'string' || !isAttempt(j.attempt)) {
    return undefined;
  }
  return { runId: j.runId, actionId, attempt: j.attempt };
}

/** The control point publishes every job with msgID `run|action|attempt` (jobMessageId). */
function keyFromMsgId(msgId: string | undefined): JobKey | undefined {
  const parts = msgId?.split('|');
  if (parts?.length !== 3) return undefined;
  const [runId, actionId, attemptText] = parts as [string, string, string];
  const attempt = Number(attemptText);
  if (runId === '' || actionId === '' || !isAttempt(attempt)) return undefined;
  return { runId, actionId, attempt };
}
