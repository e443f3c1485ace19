// Problems of a parsed document that yaml lets through but that would turn into a crash or a silent
// surprise when it becomes plain data: a list or map used as a key (stringified, with a process
// warning), two keys that differ in YAML but not in JavaScript (`1` and `"1"`: the last would win),
// and a `<<` merge of something that is not a map (toJS throws).
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { Segment } from './spec-error.js';

export interface DocumentProblem {
  message: string;
  hint: string;
  offset: number;
  at: Segment[];
}

/** The key as it becomes a property name in toJS (null becomes ""). */
export function keyText(key: unknown): string {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return key === null || key === undefined ? '' : String(key);
}

export function offsetOf(node: unknown, fallback: number): number {
  const range = (node as Node | null)?.range;
  return range ? range[0] : fallback;
}

/** The first problem in document order, or undefined. Recursive: the depth was bounded before parsing. */
export function findDocumentProblem(doc: Document): DocumentProblem | undefined {
  const visit = (node: unknown, at: Segment[], parentOffset: number): DocumentProblem | undefined => {
    if (isMap(node)) {
      const seen = new Map<string, unknown>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyOffset = offsetOf(pair.key, parentOffset);
        const key = isAlias(pair.key) ? pair.key.resolve(doc) : pair.key;
        if (key !== null && key !== undefined && !isScalar(key)) {
          return { message: 'a key is a list or a map', hint: 'keys are plain names: `web:`, `ports:`', offset: keyOffset, at };
        }
        if (isMergeKey(key)) {
          const bad = findBadMergeSource(pair.value, doc);
          if (bad !== undefined) {
            return {
              message: '`<<` merges maps, but its value is not a map or an alias (*name) of one',
              hint: 'write `<<: *base` where `base: &base {...}` is a map, or remove the `<<:` line',
              offset: offsetOf(bad, keyOffset),
              at,
            };
          }
          continue;
        }
        const text = keyText(key);
        if (seen.has(text)) {
          return { message: `duplicate key ${JSON.stringify(text)}`, hint: 'each key may appear once in a map: merge the two entries', offset: keyOffset, at: [...at, text] };
        }
        seen.set(text, key);
        const deeper = visit(pair.value, [...at, text], keyOffset);
        if (deeper) return deeper;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const deeper = visit(item, [...at, i], offsetOf(item, parentOffset));
        if (deeper) return deeper;
      }
    }
    return undefined;
  };
  return visit(doc.contents, [], 0);
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol';
}

/** The first merge source that is not a map, or undefined when all are. */
function findBadMergeSource(value: unknown, doc: Document): unknown {
  const isMapSource = (v: unknown): boolean => isMap(isAlias(v) ? v.resolve(doc) : v);
  if (isSeq(value)) return value.items.find((item) => !isMapSource(item));
  return isMapSource(value) ? undefined : (value ?? null);
}
