// Canonical JSON: keys sorted at every depth, undefined dropped, so equal data gives equal bytes.
// Digests and plan ids hash this text; a key order that depended on construction would make plans flap.

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function canonicalize(value: unknown): Json | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot hold ${value}`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => canonicalize(item) ?? null);
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const item = canonicalize((value as Record<string, unknown>)[key]);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }
  throw new TypeError(`canonical JSON cannot hold a ${typeof value}`);
}

/** Sorted keys, 2-space indent, trailing newline: the plan file's on-disk form. */
export function stringifyCanonical(value: unknown): string {
  return `${JSON.stringify(canonicalize(value) ?? null, null, 2)}\n`;
}

/** Compact canonical form, for hashing. */
export function stringifyCanonicalCompact(value: unknown): string {
  return JSON.stringify(canonicalize(value) ?? null);
}
