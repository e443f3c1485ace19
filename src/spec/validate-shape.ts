// Runs the zod schema over one container (or `defaults`) and turns the first issue, in
// document order, into a located SPEC_INVALID error.
import type { LockerError } from '../errors.js';
import { hintFor } from './did-you-mean.js';
import { CONTAINER_KEYS, LIMIT_KEYS, LISTED_CONTAINER_KEYS, TYPE_HINTS, containerSchema, type ContainerKey, type RawContainer } from './schema.js';
import { specError, type Segment } from './spec-error.js';
import type { SpecRef } from './types.js';
import type { YamlSource } from './yaml-source.js';

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `owner` names the map in messages: `container web` or `defaults`. */
export function validateShape(value: unknown, at: readonly Segment[], src: YamlSource, owner: string): RawContainer {
  if (!isPlainMap(value)) {
    throw specError(`${owner} must be a map of settings`, src.at(at), 'give it `template:` or `clone:`, and optionally ports, volumes, fqdn...');
  }
  const parsed = containerSchema.safeParse(value);
  if (parsed.success) return parsed.data;

  const found: { ref: SpecRef; error: LockerError }[] = [];
  for (const issue of parsed.error.issues) {
    const path = [...at, ...(issue.path as Segment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const ref = src.keyAt([...path, key]);
        const inLimits = issue.path[0] === 'limits';
        const hint = inLimits ? hintFor(key, LIMIT_KEYS, 'keys of limits') : hintFor(key, CONTAINER_KEYS, 'allowed keys', LISTED_CONTAINER_KEYS);
        found.push({ ref, error: specError(`unknown key "${key}" in ${inLimits ? `limits of ${owner}` : owner}`, ref, hint) });
      }
      continue;
    }
    const ref = src.at(path);
    const field = issue.path[0];
    const hint = typeof field === 'string' && Object.hasOwn(TYPE_HINTS, field) ? TYPE_HINTS[field as ContainerKey] : undefined;
    found.push({ ref, error: specError(issue.message, ref, hint) });
  }
  found.sort((a, b) => a.ref.line - b.ref.line || a.ref.col - b.ref.col);
  throw found[0]!.error;
}
