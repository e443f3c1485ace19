// Canonical JSON: keys sorted at every depth, undefined dropped, so equal data gives equal bytes.
// Digests and plan ids hash this text; a key order that depended on construction would make plans flap.
// Non-finite numbers and functions are refused, never written as something else.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const NONE: ReadonlySet<string> = new Set();

function canonicalize(value: unknown, omit: ReadonlySet<string>): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => canonicalize(item, omit) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      if (omit.has(key)) continue;
      const item = canonicalize((value as Record<string, unknown>)[key], omit);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** Sorted keys, 2-space indent, trailing newline: the plan file's on-disk form. */
export function stringifyCanonical(value: unknown): string {
  return `${JSON.stringify(canonicalize(value, NONE) ?? null, null, 2)}\n`;
}

/** Compact canonical form, for hashing; keys named in `omit` are left out at every depth (e.g. source positions). */
export function stringifyCanonicalCompact(value: unknown, omit: ReadonlySet<string> = NONE): string {
  return JSON.stringify(canonicalize(value, omit) ?? null);
}
