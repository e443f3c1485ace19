// Appends a run's events in order through one queue: what the run machine emitted, mapped by toLogEvent,
// and the run's own start and finish. The only writer of a run's events; `flush` waits until they are durable.

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
