// Strict reading of the log's text: every line an event, sequence numbers without gaps.
// Pure: the store reads the bytes, this judges them.

import { LockerError } from '../errors.js';
import { lockerEventSchema, type LockerEvent } from './types.js';

export const CORRUPT_LOG_HINT =
  'the log is append-only and was changed or damaged outside locker; restore it from a backup, ' +
  'or move it aside to start a new history (the runs recorded in it will be forgotten)';

/**
 * Parses complete lines (`text` must be empty or end with a newline). `label` names the file in
 * messages; `firstSeq` is the sequence the first line must carry.
 */
export function parseEventLog(text: string, label = 'events.jsonl', firstSeq = 1): LockerEvent[] {
  if (text !== '' && !text.endsWith('\n')) {
    throw new LockerError('INTERNAL', `parseEventLog needs whole lines; ${label} text does not end with a newline`);
  }
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  const events: LockerEvent[] = [];
  let expected = firstSeq;
  lines.forEach((line, index) => {
    const event = parseEventLine(line, `${label}:${index + 1}`);
    if (event.seq !== expected) {
      throw corrupt(`${label}:${index + 1}: seq ${event.seq} where ${expected} was expected`);
    }
    expected += 1;
    events.push(event);
  });
  return events;
}

export function parseEventLine(line: string, where: string): LockerEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw corrupt(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = lockerEventSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw corrupt(`${where}: not a valid event: ${path}${issue?.message ?? 'rejected by the schema'}`);
  }
  return parsed.data;
}

export function corrupt(message: string, detail?: string, hint = CORRUPT_LOG_HINT): LockerError {
  return new LockerError('EVENT_LOG_CORRUPT', message, { hint, detail });
}
