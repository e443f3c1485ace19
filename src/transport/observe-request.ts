// An observe request on the wire: empty (observe what is always observed), or JSON naming the host
// folders to look at. One schema, read by the agent; a control point that asks nothing sends nothing.

import { z } from 'zod';
import type { ObserveRequest } from '../../plans/observed.js';
import { LockerError } from '../errors.js';

// A spec holds at most 10,000 containers and values of 4096 characters (src/spec/limits.ts).
const hostPath = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith('/') && !p.includes('\0'), 'an absolute path without NUL');

// Not strict: a newer control point may ask for more, which this agent does not know to report.
const schema = z.object({
  volumes: z.array(z.object({ container: z.string().min(1).max(253), hostPaths: z.array(hostPath).max(10_000) })).max(10_000).optional(),
});

/** The request's bytes; empty when there is nothing to ask (what an older agent expects, too). */
export function encodeObserveRequest(request: ObserveRequest | undefined): string {
  return request?.volumes === undefined || request.volumes.length === 0 ? '' : JSON.stringify(request);
}

export function parseObserveRequest(data: Uint8Array): ObserveRequest {
  if (data.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw unreadable('it is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw unreadable(`${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.volumes === undefined ? {} : { volumes: parsed.data.volumes };
}

function unreadable(why: string): LockerError {
  return new LockerError('INTERNAL', `observe request not understood: ${why}`, {
    hint: 'the control point and this agent may run different versions of Locker',
  });
}
