// Appends a run's events in order through one queue: what the run machine emitted, mapped by toLogEvent,
// and the run's own start and finish. The only writer of a run's events. Events recorded while an append
// is in flight (or in the same tick) go out together in the next one: one write and one fsync (group commit).
// `written` is the weaker promise a dispatch needs: its event is in the log (a crash of this process keeps
// it) before the host is touched, while the fsync runs alongside the step.

import type { EventStore, NewEvent } from '../events/types.js';

interface Waiting {
  event: NewEvent;
  written: () => void;
  durable: () => void;
  failed: (e: unknown) => void;
}

export class Recorder {
  private waiting: Waiting[] = [];
  private writing = false;
  private failure: unknown;
  private tail: Promise<void> = Promise.resolve();
  private writtenTail: Promise<void> = Promise.resolve();

  constructor(private readonly store: EventStore) {}

  /**
   * Queues an event. The promise resolves once the event is durable in the log, which is when what it
   * says may be reported. It never needs awaiting: `flush` reports the first failure.
   */
  record(event: NewEvent): Promise<void> {
    let written: () => void = () => {};
    let failedWrite: (e: unknown) => void = () => {};
    const inLog = new Promise<void>((resolve, reject) => {
      written = resolve;
      failedWrite = reject;
    });
    const durable = new Promise<void>((resolve, reject) => {
      if (this.failure !== undefined) return reject(this.failure);
      this.waiting.push({
        event,
        written,
        durable: () => {
          written();
          resolve();
        },
        failed: (e) => {
          failedWrite(e);
          reject(e);
        },
      });
    });
    durable.catch(() => undefined);
    inLog.catch(() => undefined);
    if (this.failure !== undefined) failedWrite(this.failure);
    this.tail = durable.catch(() => undefined);
    this.writtenTail = inLog.catch(() => undefined);
    // Not at once: the events a transition emits together (one step settled, the next dispatched) share a write.
    if (!this.writing) {
      this.writing = true;
      queueMicrotask(() => void this.drain());
    }
    return durable;
  }

  /**
   * Waits until everything recorded so far is in the log, durable or not yet (see EventStore.append);
   * throws the first append error.
   */
  async written(): Promise<void> {
    await this.writtenTail;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Waits until everything recorded so far is durable; throws the first append error. */
  async flush(): Promise<void> {
    await this.tail;
    if (this.failure !== undefined) throw this.failure;
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        await this.store.append(
          batch.map((w) => w.event),
          () => {
            for (const w of batch) w.written();
          },
        );
      } catch (e) {
        // Later events are not attempted after a failed append: the log's tail is unknown.
        this.failure ??= e;
        for (const w of [...batch, ...this.waiting]) w.failed(this.failure);
        this.waiting = [];
        break;
      }
      for (const w of batch) w.durable();
    }
    this.writing = false;
  }
}
