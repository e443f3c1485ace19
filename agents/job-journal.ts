// The agent's memory of finished jobs: an append-only JSON-lines file, fsynced after every entry.
// JetStream delivers at least once; a job found here is answered from the file and never run again.

import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../src/errors.js';
import { jobMessageId } from '../src/nats/names.js';
import type { JobResult } from '../src/transport/types.js';

export interface JournalEntry {
  runId: string;
  actionId: string;
  attempt: number;
  result: JobResult;
  finishedAt: string;
}

export const JOURNAL_FILE = 'jobs.jsonl';

export class JobJournal {
  private readonly entries: Map<string, JournalEntry>;
  private readonly handle: FileHandle;
  private tail: Promise<void> = Promise.resolve();
  readonly file: string;

  private constructor(file: string, handle: FileHandle, entries: Map<string, JournalEntry>) {
    this.file = file;
    this.handle = handle;
    this.entries = entries;
  }

  /** Opens (creating if needed) `<dir>/jobs.jsonl` and loads what it holds. */
  static async open(dir: string): Promise<JobJournal> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, JOURNAL_FILE);
    const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return Buffer.alloc(0);
      throw e;
    });
    const entries = parseJournal(file, bytes.toString('utf8'));
    const handle = await open(file, 'a', 0o600);
    // Cut a torn last line off, or the next entry would be glued to it.
    const whole = bytes.lastIndexOf(0x0a) + 1;
    if (whole < bytes.length) {
      await handle.truncate(whole);
      await handle.sync();
    }
    return new JobJournal(file, handle, entries);
  }

  get(runId: string, actionId: string, attempt: number): JournalEntry | undefined {
    return this.entries.get(jobMessageId(runId, actionId, attempt));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Resolves once the entry is on disk; appends are written one after another. */
  append(entry: JournalEntry): Promise<void> {
    const write = this.tail.then(async () => {
      await this.handle.appendFile(`${JSON.stringify(entry)}\n`);
      await this.handle.sync();
      this.entries.set(jobMessageId(entry.runId, entry.actionId, entry.attempt), entry);
    });
    // A failed write must not block later ones; the caller of this append still sees its error.
    this.tail = write.catch(() => {});
    return write;
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle.close();
  }
}

/**
 * A last line without its newline is a write cut short by a crash: that job was never acked, so it is
 * redelivered and answered again; it is dropped. Any other bad line means the file was damaged.
 */
export function parseJournal(file: string, text: string): Map<string, JournalEntry> {
  const entries = new Map<string, JournalEntry>();
  // The last piece is '' after a final newline, or the torn line.
  const complete = text.split('\n').slice(0, -1);
  complete.forEach((line, i) => {
    const entry = parseEntry(line);
    if (entry === undefined) {
      throw new LockerError('EVENT_LOG_CORRUPT', `agent journal ${file}:${i + 1} is not a journal entry`, {
        hint: 'move the file away to start a new journal (jobs seen before may then run again, idempotently)',
      });
    }
    entries.set(jobMessageId(entry.runId, entry.actionId, entry.attempt), entry);
  });
  return entries;
}

function parseEntry(line: string): JournalEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const e = value as Partial<JournalEntry> | null;
  if (
    typeof e?.runId !== 'string' ||
    typeof e.actionId !== 'string' ||
    typeof e.attempt !== 'number' ||
    typeof e.finishedAt !== 'string' ||
    typeof e.result !== 'object' ||
    e.result === null ||
    typeof e.result.ok !== 'boolean'
  ) {
    return undefined;
  }
  return e as JournalEntry;
}
