// Reads events.jsonl whole and splits what was committed from a torn tail.

import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isLockerError } from '../errors.js';
import { corrupt, parseEventLog } from './parse-log.js';
import type { LockerEvent } from './types.js';

export interface LogFileContents {
  exists: boolean;
  /** Every event on a complete line, checked strictly. */
  events: LockerEvent[];
  /** Bytes up to and including the last newline: what a repair truncates to. */
  committedBytes: number;
  /** 1-based line number of a final line with no newline, when there is one. */
  tornLine?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readLogFile(path: string): Promise<LogFileContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, events: [], committedBytes: 0 };
    throw e;
  }
  const label = basename(path);
  // A newline byte never occurs inside a multi-byte UTF-8 sequence, so splitting bytes is safe.
  const committedBytes = bytes.lastIndexOf(0x0a) + 1;
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(0, committedBytes));
  } catch {
    throw corrupt(`${label}: not valid UTF-8`, `file: ${path}`);
  }
  let events: LockerEvent[];
  try {
    events = parseEventLog(text, label);
  } catch (e) {
    // The message names the file as the user knows it; the detail says which one.
    if (isLockerError(e) && e.code === 'EVENT_LOG_CORRUPT') throw corrupt(e.message, `file: ${path}`);
    throw e;
  }
  const torn = committedBytes < bytes.length;
  return { exists: true, events, committedBytes, ...(torn ? { tornLine: events.length + 1 } : {}) };
}
