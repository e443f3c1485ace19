// Which actions load the machine that runs them, and so count against `--parallelism` (and an agent's
// concurrency). Pure: the run machine and the agents read the same rule.

import type { ActionKind } from './types.js';

/**
 * A stop waits for a container's own init to shut down, not for this machine's CPU or disk: every stop
 * that may run, runs at once (compose asks every container to stop at once), and never holds back
 * creation, clone or start work. Everything else takes a slot.
 */
export function takesSlot(action: { kind: ActionKind | string }): boolean {
  return action.kind !== 'stop';
}
