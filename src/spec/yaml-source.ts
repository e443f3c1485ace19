// The spec file as a YAML document that remembers where every node sits, so that any
// error found later (in zod, in the ports parser) can point at its line and column.
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Pair, type YAMLMap } from 'yaml';
import { findSizeProblem } from './expanded-size.js';
import { SPEC_LIMITS } from './limits.js';
import { assertNestingDepth } from './nesting.js';
import { formatPath, specError, type Segment } from './spec-error.js';
import { findDocumentProblem, keyText, offsetOf } from './yaml-checks.js';
import type { SpecRef } from './types.js';

export interface YamlSource {
  file: string;
  /** The document as plain data (aliases and `<<` merges resolved). */
  data: unknown;
  /** Where the value at `segments` starts; the nearest existing ancestor when it is missing. */
  at(segments: readonly Segment[]): SpecRef;
  /** Where the key of the last segment starts (for unknown keys and names). */
  keyAt(segments: readonly Segment[]): SpecRef;
  /** The scalar at `segments` as written (`20.10`, not the number 20.1), if it is a scalar. */
  sourceText(segments: readonly Segment[]): string | undefined;
}

type Found = { node: unknown; keyOffset?: number; offset: number; complete: boolean };

export function readYaml(text: string, file: string): YamlSource {
  assertNestingDepth(text, file);
  const lines = new LineCounter();
  // `merge` lets compose-style `<<: *base` work; duplicate keys stay errors (uniqueKeys default).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  const ref = (offset: number, segments: readonly Segment[]): SpecRef => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col, path: formatPath(segments) };
  };

  const first = doc.errors[0];
  if (first?.code === 'MULTIPLE_DOCS') {
    throw specError('the spec holds several YAML documents', ref(first.pos[0], []), 'a spec is one document: remove this `---` and what follows, or merge the two');
  }
  if (first !== undefined && first.code !== 'DUPLICATE_KEY') {
    throw specError(`YAML syntax: ${oneLine(first.message)}`, ref(first.pos[0], []), 'fix the YAML syntax near this position');
  }
  // Duplicate keys included: yaml finds those of YAML, this also those of JavaScript (`1` and "1").
  const bad = findDocumentProblem(doc);
  if (bad !== undefined) throw specError(bad.message, ref(bad.offset, bad.at), bad.hint);
  if (first !== undefined) {
    throw specError('duplicate key', ref(first.pos[0], []), 'each key may appear once in a map: merge the two entries');
  }

  const walk = (segments: readonly Segment[]): Found => {
    let node: unknown = doc.contents;
    let found: Found = { node, offset: 0, complete: true };
    if (node === null) return { ...found, complete: segments.length === 0 };
    found.offset = offsetOf(node, 0);
    for (const seg of segments) {
      node = resolve(node, doc);
      if (isMap(node)) {
        const pair = pairNamed(node, String(seg));
        if (pair === undefined) return { ...found, complete: false };
        const keyOffset = offsetOf(pair.key, found.offset);
        const value = pair.value;
        found = { node: value, keyOffset, offset: isEmpty(value) ? keyOffset : offsetOf(value, keyOffset), complete: true };
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        const item = node.items[seg];
        found = { node: item, offset: offsetOf(item, found.offset), complete: true };
      } else {
        return { ...found, complete: false };
      }
      node = found.node;
    }
    return found;
  };

  const at = (segments: readonly Segment[]): SpecRef => ref(walk(segments).offset, segments);
  const data = toData(doc, (offset) => ref(offset, []));
  const problem = findSizeProblem(data);
  if (problem?.kind === 'depth') {
    throw specError(
      `the spec nests more than ${SPEC_LIMITS.depth} levels of maps and lists once its aliases are expanded`,
      at(problem.at),
      'an alias (*name) inside the node its anchor (&name) marks repeats it forever: point aliases at other nodes',
    );
  }
  if (problem?.kind === 'nodes') {
    throw specError(
      `the spec holds more than ${SPEC_LIMITS.nodes} maps, lists and values once its aliases are expanded`,
      at(problem.at),
      'use fewer aliases (*name), or split the spec into several projects',
    );
  }

  return {
    file,
    data,
    at,
    keyAt: (segments) => {
      const found = walk(segments);
      return ref(found.complete ? (found.keyOffset ?? found.offset) : found.offset, segments);
    },
    sourceText: (segments) => {
      const found = walk(segments);
      const node = found.complete ? resolve(found.node, doc) : undefined;
      return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
    },
  };
}

function toData(doc: Document, refAt: (offset: number) => SpecRef): unknown {
  try {
    return doc.toJS({ maxAliasCount: SPEC_LIMITS.aliasExpansions });
  } catch (e) {
    // yaml refuses to copy one anchor's content too often (an "alias bomb"): bad input, not a crash.
    if (!(e instanceof ReferenceError) || !/alias/i.test(e.message)) throw e;
    throw specError(
      `YAML aliases expand too much: an anchor's content would be copied more than ${SPEC_LIMITS.aliasExpansions} times`,
      refAt(firstAliasOffset(doc)),
      'aliases (*name) are for sharing a few settings, not for multiplying them: write the values out, or use `defaults:`',
    );
  }
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = offsetOf(node, 0);
      return visit.BREAK;
    },
  });
  return offset;
}

// Lookups by key, indexed once per map: a spec of thousands of containers asks for thousands of positions.
const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairNamed(map: YAMLMap, key: string): Pair | undefined {
  let index = pairIndex.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const text = keyText(pair.key);
      if (isPair(pair) && !index.has(text)) index.set(text, pair);
    }
    pairIndex.set(map, index);
  }
  return index.get(key);
}

function resolve(node: unknown, doc: Document): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function isEmpty(node: unknown): boolean {
  return node === null || node === undefined || (isScalar(node) && node.value === null && node.source === '');
}

/** yaml's messages may quote source lines; an error is one line. */
function oneLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
