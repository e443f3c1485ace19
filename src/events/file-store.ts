// The embedded event log: one JSON event per line in <dir>/events.jsonl, appended with fsync,
// written by one process at a time (<dir>/events.lock).

import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { LockerError } from '../errors.js';
import { acquireLockFile, describeSelf, isLockFileHeld, type HeldLock, type LockHolder } from '../lock/index.js';
import { readLogFile } from './read-log-file.js';
import { assertOwnProject, stampEvents } from './stamp-events.js';
import type { EventStore, LockerEvent, NewEvent } from './types.js';

export interface FileEventStoreOptions {
  /** The clock behind `ts`; tests and fixtures pass a fixed one. */
  now?: () => Date;
  /** Told about a torn last line a read skipped; default: a `warning:` line on stderr. */
  warn?: (line: string) => void;
}

interface Writer {
  lock: HeldLock;
  handle: FileHandle;
  lastSeq: number;
}

export async function openFileEventStore(dir: string, project: string, options: FileEventStoreOptions = {}): Promise<EventStore> {
  const warn = options.warn ?? ((line: string) => void process.stderr.write(`warning: ${line}\n`));
  return new FileEventStore(dir, project, options.now ?? (() => new Date()), warn);
}

class FileEventStore implements EventStore {
  private readonly logPath: string;
  private readonly lockPath: string;
  /** Every append and read runs after the previous one, so sequence numbers never interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private writer?: Writer;
  /** Set when a write failed half-way: the file's tail is unknown until the log is reopened. */
  private broken?: LockerError;
  private closed = false;
  /** The torn tail already warned about (by its offset): one warning per tail, however often it is read. */
  private warnedAt?: number;

  constructor(
    private readonly dir: string,
    private readonly project: string,
    private readonly now: () => Date,
    private readonly warn: (line: string) => void,
  ) {
    this.logPath = join(dir, 'events.jsonl');
    this.lockPath = join(dir, 'events.lock');
  }

  async append(events: NewEvent[], written?: () => void): Promise<LockerEvent[]> {
    this.assertOpen();
    assertOwnProject(events, this.project);
    if (events.length === 0) return [];
    return this.enqueue(async () => {
      if (this.broken) throw this.broken;
      this.writer ??= await this.openWriter();
      const writer = this.writer;
      const stored = stampEvents(events, writer.lastSeq, this.now().toISOString());
      // Group commit: one write and one fsync for the whole call.
      const bytes = Buffer.from(stored.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');
      try {
        await writeFully(writer.handle, bytes);
        written?.();
        await writer.handle.sync();
      } catch (e) {
        this.broken = new LockerError('INTERNAL', `could not write ${this.logPath}: ${(e as Error).message}`, {
          hint: 'check disk space and permissions; the unfinished write is dropped when the log is next opened',
          cause: e,
        });
        throw this.broken;
      }
      writer.lastSeq += stored.length;
      return stored;
    });
  }

  /**
   * A torn last line is left out: it was never acknowledged, so no fold may count it. It is said once,
   * unless another process holds the writer lock (then it is an append in flight, not a crash's leftover).
   */
  async readAll(): Promise<LockerEvent[]> {
    this.assertOpen();
    return this.enqueue(async () => {
      const log = await readLogFile(this.logPath);
      if (log.torn === undefined || this.warnedAt === log.committedBytes) return log.events;
      if (!this.writer && (await isLockFileHeld(this.lockPath))) return log.events;
      this.warnedAt = log.committedBytes;
      this.warn(
        `ignoring a torn last line in ${this.logPath} (${log.torn.bytes} bytes): an append that did not finish; ` +
          'the next command that writes the log drops it',
      );
      return log.events;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) return;
    try {
      await writer.handle.close();
    } finally {
      await writer.lock.release();
    }
  }

  /**
   * Taken on the first append, under the writer lock. A final line without a newline is
   * truncated here: it is the tail of an append that crashed before its fsync returned, so it
   * was never acknowledged to anyone and no fold has counted it. Readers, which must not
   * change the file, skip it with a warning instead (see readAll).
   */
  private async openWriter(): Promise<Writer> {
    const lock = await acquireLockFile(this.lockPath, describeSelf(), describeWriter);
    try {
      const log = await readLogFile(this.logPath);
      const handle = await open(this.logPath, 'a');
      try {
        if (log.torn !== undefined) {
          await handle.truncate(log.committedBytes);
          await handle.sync();
        }
        if (!log.exists) await syncDirectory(this.dir);
      } catch (e) {
        await handle.close();
        throw e;
      }
      return { lock, handle, lastSeq: log.events.at(-1)?.seq ?? 0 };
    } catch (e) {
      await lock.release();
      throw e;
    }
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task);
    // The chain only orders work; each caller still gets its own rejection through `result`.
    this.queue = result.catch(() => undefined);
    return result;
  }

  private assertOpen(): void {
    if (this.closed) throw new LockerError('INTERNAL', `event store ${this.logPath} is closed`);
  }
}

function describeWriter(holder: LockHolder, path: string): LockerError {
  const where = holder.hostname === describeSelf().hostname ? '' : ` on ${holder.hostname}`;
  return new LockerError('LOCK_HELD', `event log is being written by pid ${holder.pid}${where} since ${holder.since}`, {
    hint: `wait for it to finish, or remove ${path} if that process is gone`,
    retryable: true,
  });
}

async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** A new file's name is durable only once its directory is synced. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
