// `locker resume` right after a control point was killed: its lock is still there until the next taker
// finds the holder dead (embedded: at once) or its lease runs out (NATS: 15 s after the last refresh).

import type { LockerResult } from './run-locker.js';
import { until } from './wait-until.js';

/** Runs `resume` until it gets past the project lock; its first result that is not LOCK_HELD. */
export async function resumeWhenUnlocked(resume: () => Promise<LockerResult>): Promise<LockerResult> {
  return until(
    'resume to get the project lock',
    async () => {
      const r = await resume();
      return r.exitCode === 1 && r.stderr.includes('error[LOCK_HELD]') ? undefined : r;
    },
    60_000,
    1_000,
  );
}
