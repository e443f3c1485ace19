// Which of the two spec shapes a file uses, and where its containers and defaults are:
// the first format is a map of containers; the later one has `containers:` and `defaults:`.
import { hintFor } from './did-you-mean.js';
import { CONTAINER_KEYS } from './schema.js';
import { specError, type Segment } from './spec-error.js';
import type { SpecRef } from './types.js';
import { isPlainMap } from './validate-shape.js';
import type { YamlSource } from './yaml-source.js';

export interface ContainerEntry {
  name: string;
  value: unknown;
  /** Spec path of the container's value: `['web']` or `['containers', 'web']`. */
  at: Segment[];
  /** Position of the container's key, its SpecRef. */
  ref: SpecRef;
}

export interface SpecLayout {
  /** In document order. */
  containers: ContainerEntry[];
  defaults?: { value: unknown; at: Segment[] };
}

const TOP_KEYS = ['containers', 'defaults'];

const EXAMPLE = 'e.g. `web: {template: busybox, ports: ["8000:8000"]}`';

export function readLayout(src: YamlSource): SpecLayout {
  const top = src.data;
  if (top === null || top === undefined) {
    throw specError('the spec is empty', src.at([]), `describe at least one container, ${EXAMPLE}`);
  }
  if (!isPlainMap(top)) {
    throw specError('the spec must be a map of containers', src.at([]), `describe containers by name, ${EXAMPLE}`);
  }
  if (!isLaterFormat(top)) return { containers: entriesOf(top, [], src) };

  const unknown = Object.keys(top).filter((k) => !TOP_KEYS.includes(k));
  const first = sortByPosition(unknown.map((key) => ({ key, ref: src.keyAt([key]) })))[0];
  if (first !== undefined) {
    throw specError(`unknown top-level key "${first.key}"`, first.ref, `${hintFor(first.key, TOP_KEYS, 'allowed top-level keys')} (containers go under \`containers:\`)`);
  }
  const containers = top.containers;
  if (containers !== null && !isPlainMap(containers)) {
    throw specError('containers must be a map of containers by name', src.at(['containers']), EXAMPLE);
  }
  const layout: SpecLayout = { containers: containers === null ? [] : entriesOf(containers, ['containers'], src) };
  if ('defaults' in top) layout.defaults = { value: top.defaults, at: ['defaults'] };
  return layout;
}

/**
 * `containers:` alone (or with `defaults:`) is the later format. So is a `containers:` map
 * that does not look like one container's settings, so that a stray extra top-level key
 * is reported as such rather than as a container called "containers".
 */
function isLaterFormat(top: Record<string, unknown>): boolean {
  if (!('containers' in top)) return false;
  if (Object.keys(top).every((k) => TOP_KEYS.includes(k))) return true;
  const c = top.containers;
  return isPlainMap(c) && !Object.keys(c).every((k) => (CONTAINER_KEYS as readonly string[]).includes(k));
}

function entriesOf(map: Record<string, unknown>, at: Segment[], src: YamlSource): ContainerEntry[] {
  const entries = Object.entries(map).map(([name, value]) => ({ name, value, at: [...at, name], ref: src.keyAt([...at, name]) }));
  return sortByPosition(entries);
}

/** Object key order is not document order (integer-like keys go first); positions are. */
function sortByPosition<T extends { ref: SpecRef }>(items: T[]): T[] {
  return [...items].sort((a, b) => a.ref.line - b.ref.line || a.ref.col - b.ref.col);
}
