// The spec digest: a hash of what the spec means, not of its text, so comments, key order
// and the file's position info never make a saved plan stale.
import { createHash } from 'node:crypto';
import { stringifyCanonicalCompact } from '../rules/canonical-json.js';
import type { ContainerSpec } from './types.js';

/** Where a value was written (`ref`) is not what it means: left out at every depth. */
const POSITIONS: ReadonlySet<string> = new Set(['ref']);

export function digestContainers(containers: readonly ContainerSpec[]): string {
  return createHash('sha256').update(stringifyCanonicalCompact(containers, POSITIONS)).digest('hex');
}
