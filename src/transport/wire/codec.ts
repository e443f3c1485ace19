// Bytes <-> messages: a message on the wire is the JSON of a value its schema accepts, and nothing is
// read off the wire without that schema. What does not fit is MESSAGE_INVALID, naming the subject and the field.

import type { z } from 'zod';
import { LockerError } from '../../errors.js';

export interface WireMessage<T> {
  /** What the message is, in words: `job`, `observe reply`. */
  readonly what: string;
  /** The bytes to publish. */
  encode(value: T): string;
  /** The message in bytes read off `subject`; throws MESSAGE_INVALID when they are not one. */
  decode(data: Uint8Array, subject: string): T;
  /** The same for a value already parsed from JSON (a KV entry, say). */
  check(value: unknown, subject: string): T;
}

export function wireMessage<T>(what: string, schema: z.ZodType<T, unknown>): WireMessage<T> {
  const check = (value: unknown, subject: string): T => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw messageInvalid(what, subject, describeIssue(parsed.error));
  };
  return {
    what,
    encode: (value) => JSON.stringify(value),
    decode: (data, subject) => check(parseJson(data, what, subject), subject),
    check,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The JSON value in `data`; throws MESSAGE_INVALID when it is not UTF-8 JSON. */
export function parseJson(data: Uint8Array, what: string, subject: string): unknown {
  let text: string;
  try {
    text = utf8.decode(data);
  } catch {
    throw messageInvalid(what, subject, 'not UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw messageInvalid(what, subject, `not JSON (${(e as Error).message})`);
  }
}

/** The first thing wrong, where it is: `action.params.ports.0.hostPort: Too big: expected number to be <=65535`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'rejected';
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

export function messageInvalid(what: string, subject: string, why: string): LockerError {
  return new LockerError('MESSAGE_INVALID', `${what} on ${subject} is not readable: ${why}`, {
    hint: 'the control point and the agents may run different versions of Locker, or something else publishes on Locker subjects',
  });
}
