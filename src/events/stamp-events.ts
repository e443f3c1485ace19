// Turns events to append into stored events: version, next sequence numbers, timestamp.
// Pure: the caller supplies the last sequence and the clock.

import { LockerError } from '../errors.js';
import { lockerEventSchema, type LockerEvent, type NewEvent } from './types.js';

/** A store holds one project's events; appending another's is a bug in the caller. */
export function assertOwnProject(events: NewEvent[], project: string): void {
  const foreign = events.find((e) => e.project !== project);
  if (foreign) {
    throw new LockerError('INTERNAL', `event for project ${foreign.project} appended to the log of ${project}`);
  }
}

/** Validates every event before any is stored, so one bad event leaves the log untouched. */
export function stampEvents(events: NewEvent[], lastSeq: number, ts: string): LockerEvent[] {
  return events.map((event, index) => {
    const parsed = lockerEventSchema.safeParse({ ...event, v: 1, seq: lastSeq + index + 1, ts });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new LockerError('INTERNAL', `refusing to append an invalid ${event.type} event: ${path}${issue?.message}`, {
        detail: JSON.stringify(event),
      });
    }
    return parsed.data;
  });
}
