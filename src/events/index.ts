// The event log: its closed vocabulary, the stores that hold it, and the folds that read it.
// Folds and parsing never do I/O; only the stores touch the world, and nothing ever rewrites a committed event.

import type { EventStore } from './types.js';

export * from './types.js';
export { openFileEventStore, type FileEventStoreOptions } from './file-store.js';
export { parseEventLog, parseEventLine } from './parse-log.js';
export { stampEvents } from './stamp-events.js';
export {
  findRun,
  foldRun,
  foldRuns,
  type ActionState,
  type ActionView,
  type RunStatus,
  type RunView,
} from './projections.js';
export { hostsOfRuns } from './known-hosts.js';
export type { JetStreamEventStoreOptions } from './jetstream-store.js';

/** Loads the NATS client only when a NATS store is opened: embedded commands never pay for it. */
export async function openJetStreamEventStore(
  ...args: Parameters<typeof import('./jetstream-store.js').openJetStreamEventStore>
): Promise<EventStore> {
  return (await import('./jetstream-store.js')).openJetStreamEventStore(...args);
}
