// The spec digest: a hash of what the spec means, not of its text, so comments, key order
// and the file's position info never make a saved plan stale.
import { createHash } from 'node:crypto';
import type { ContainerSpec } from './types.js';

export function digestContainers(containers: readonly ContainerSpec[]): string {
  return createHash('sha256').update(canonicalJson(containers)).digest('hex');
}

/** JSON with sorted keys, `ref` fields dropped and undefined fields left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([k, v]) => k !== 'ref' && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
