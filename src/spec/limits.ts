// How big a spec may be. Every limit has its own error, raised before the work it bounds, so
// a huge, deep or self-expanding file is refused in milliseconds instead of hanging the loader.
import { specError } from './spec-error.js';

export const SPEC_LIMITS = {
  /** Bytes of the file (UTF-8). A spec of 10,000 containers fits in a fraction of it. */
  bytes: 1024 * 1024,
  /** yaml's maxAliasCount: how often one anchor's content may be copied by aliases. */
  aliasExpansions: 100,
  /** Levels of nested maps and lists. A spec needs 5 (`containers.web.template.name`). */
  depth: 32,
  /** Maps, lists and values of the document once aliases are expanded. */
  nodes: 1_000_000,
  /** Containers in one spec. */
  containers: 10_000,
  /** Characters of one value (PATH_MAX is 4096) and of one key. */
  valueLength: 4096,
  keyLength: 253,
} as const;

/** Bytes `text` takes in UTF-8, without encoding it (the text may be large). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      bytes += next >= 0xdc00 && next <= 0xdfff ? 4 : 3;
    } else bytes += 3;
  }
  return bytes;
}

export function assertSpecSize(text: string, file: string): void {
  assertSpecBytes(utf8Length(text), file);
}

/** The size check alone, for a caller that knows the file's size before reading it. */
export function assertSpecBytes(bytes: number, file: string): void {
  if (bytes <= SPEC_LIMITS.bytes) return;
  throw specError(
    `spec is ${bytes} bytes; the limit is 1 MiB (${SPEC_LIMITS.bytes} bytes)`,
    { file, line: 1, col: 1, path: '' },
    'a spec describes containers, not data: split it into several projects, or move data into files mounted as volumes',
  );
}

export function describeLength(what: string, length: number, limit: number): string {
  return `${what} is ${length} characters long; the limit is ${limit}`;
}
