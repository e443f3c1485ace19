// Reads events.jsonl whole and splits what was committed from a torn tail: a last line without its
// newline, whatever it holds, is an append cut short before its fsync returned. A complete line that does
// not parse is damage, anywhere in the file.

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
  /** A final line with no newline: an append that did not finish (never acknowledged), left out of `events`. */
  torn?: TornLine;
}

export interface TornLine {
  /** Its length in bytes. */
  bytes: number;
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
  const torn = committedBytes < bytes.length ? { bytes: bytes.length - committedBytes } : undefined;
  return { exists: true, events, committedBytes, ...(torn ? { torn } : {}) };
}
