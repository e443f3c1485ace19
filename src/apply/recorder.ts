// Turns what a run does into events, appended in order through one queue.
// The queue is the only writer of a run's events; `flush` waits until everything so far is durable.

import type { EventStore, NewEvent } from '../events/types.js';

export class Recorder {
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown;

  constructor(private readonly store: EventStore) {}

  record(event: NewEvent): void {
    this.tail = this.tail.then(
      () => this.store.append([event]),
      (e) => {
        throw e;
      },
    );
    // Keep the first append error for flush(); later appends are not attempted after it.
    this.tail.catch((e) => {
      this.failure ??= e;
    });
  }

  async flush(): Promise<void> {
    await this.tail.catch(() => undefined);
    if (this.failure !== undefined) throw this.failure;
  }
}
