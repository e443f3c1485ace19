// Kills a running `locker` the moment its embedded event log reaches a given point: the log file is
// watched (inotify, with a polling fallback) and the SIGKILL is sent synchronously from the callback
// that first sees the event, so the process gets as little time as possible to write more.

import { existsSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { LockerEvent } from '../../src/events/index.js';
import type { BackgroundLocker } from './background-locker.js';

export interface KillOutcome {
  /** False when the process exited before the point was reached. */
  killed: boolean;
  /** The complete events in the log when the kill was sent (or when the process exited). */
  seen: LockerEvent[];
}

/** Complete lines of an events.jsonl; a torn last line (an append in flight) is left out. */
export function readLoggedEvents(file: string): LockerEvent[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .split('\n')
    .slice(0, -1)
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as LockerEvent);
}

export function killWhenLogged(
  target: BackgroundLocker,
  logFile: string,
  reached: (events: LockerEvent[]) => boolean,
): Promise<KillOutcome> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let settled = false;
    const finish = (outcome: KillOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      watcher?.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const look = () => {
      if (settled) return;
      let events: LockerEvent[];
      try {
        events = readLoggedEvents(logFile);
      } catch (e) {
        finish(e as Error);
        return;
      }
      if (!target.running()) {
        finish({ killed: false, seen: events });
        return;
      }
      if (!reached(events)) return;
      process.kill(target.pid, 'SIGKILL');
      finish({ killed: true, seen: events });
    };
    const dir = path.dirname(logFile);
    const watchDir = () => {
      if (watcher || !existsSync(dir)) return;
      watcher = watch(dir, look);
    };
    const poll = setInterval(() => {
      watchDir();
      look();
    }, 20);
    watchDir();
    look();
  });
}
