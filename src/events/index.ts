// The event log: its closed vocabulary, the stores that hold it, and the folds that read it.
// Folds and parsing never do I/O; only the stores touch the world, and nothing ever rewrites a committed event.

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
