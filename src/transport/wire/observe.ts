// An observe request and its reply (core request/reply on observeSubject(host)). The request is empty
// when there is nothing to ask (what older agents expect), else JSON naming host folders to look at.

import { z } from 'zod';
import type { ObservedHost, ObserveRequest } from '../../../plans/observed.js';
import type { LockerErrorJSON } from '../../errors.js';
import { wireMessage } from './codec.js';
import { observedHostSchema } from './observed.js';
import { errorJsonSchema } from './result.js';

// A spec holds at most 10,000 containers and values of 4096 characters (src/spec/limits.ts).
const hostPath = z
  .string()
  .max(4096)
  .refine((p) => p.startsWith('/') && !p.includes('\0'), 'an absolute path without NUL');

// Not strict: a newer control point may ask for more, which this agent does not know to report.
const observeRequestMessage = wireMessage<ObserveRequest>(
  'observe request',
  z
    .object({
      volumes: z.array(z.object({ container: z.string().min(1).max(253), hostPaths: z.array(hostPath).max(10_000) })).max(10_000).optional(),
    })
    .transform((r): ObserveRequest => (r.volumes === undefined ? {} : { volumes: r.volumes })),
);

/** The request's bytes; empty when there is nothing to ask. */
export function encodeObserveRequest(request: ObserveRequest | undefined): string {
  return request?.volumes === undefined || request.volumes.length === 0 ? '' : observeRequestMessage.encode(request);
}

export function decodeObserveRequest(data: Uint8Array, subject: string): ObserveRequest {
  return data.length === 0 ? {} : observeRequestMessage.decode(data, subject);
}

/** What an agent answers on observeSubject(host). */
export type ObserveReply = { ok: true; observed: ObservedHost } | { ok: false; error: LockerErrorJSON };

export const observeReply = wireMessage<ObserveReply>(
  'observe reply',
  z.discriminatedUnion('ok', [z.looseObject({ ok: z.literal(true), observed: observedHostSchema }), z.looseObject({ ok: z.literal(false), error: errorJsonSchema })]),
);
