// Errors of the spec loader: one LockerError, located at a YAML node, with the spec path.
import { LockerError, type ErrorCode, type SourceLocation } from '../errors.js';
import type { Checked } from '../rules/checked.js';
import type { SpecRef } from './types.js';

/** One step of a spec path: a map key or a list index. */
export type Segment = string | number;

/** `['containers', 'web', 'ports', 1]` -> `containers.web.ports[1]`. */
export function formatPath(segments: readonly Segment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function specError(
  message: string,
  at: SourceLocation | undefined,
  hint?: string,
  code: ErrorCode = 'SPEC_INVALID',
): LockerError {
  // A copy, so that extra fields of a SpecRef-like value never leak into the error's JSON.
  const location: SourceLocation | undefined = at && { file: at.file, line: at.line, col: at.col };
  if (location && at?.path !== undefined && at.path !== '') location.path = at.path;
  return new LockerError(code, message, { hint, location });
}

/**
 * Outcome of checking one value. The parsers (ports, volumes, fqdn) do not know where the
 * value sits in the file, so they say what is wrong and the caller adds the location.
 */
export { bad, ok, type Checked } from '../rules/checked.js';

/** Unwraps a Checked value, throwing SPEC_INVALID at `at` when it failed. */
export function unwrap<T>(checked: Checked<T>, at: SpecRef): T {
  if (checked.ok) return checked.value;
  throw specError(checked.message, at, checked.hint);
}
