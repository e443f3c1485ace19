// Bounds of the document once aliases are expanded: an alias may point back at one of its own
// parents (`web: &w {x: *w}` is a cycle) or multiply a subtree. Checked without recursion, before
// any recursive walk of the data, so neither can hang the loader or exhaust the stack.
import { SPEC_LIMITS } from './limits.js';
import type { Segment } from './spec-error.js';
import { isPlainMap } from './validate-shape.js';

export type SizeProblem = { kind: 'depth' | 'nodes'; at: Segment[] };

/** The first place the data is too deep (a cycle is infinitely deep) or too large, if any. */
export function findSizeProblem(data: unknown): SizeProblem | undefined {
  const stack: Array<{ value: unknown; at: Segment[] }> = [{ value: data, at: [] }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, at } = stack.pop()!;
    nodes += 1;
    if (nodes > SPEC_LIMITS.nodes) return { kind: 'nodes', at };
    const children: Array<[Segment, unknown]> = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : isPlainMap(value)
        ? Object.entries(value)
        : [];
    if (children.length === 0) continue;
    if (at.length >= SPEC_LIMITS.depth) return { kind: 'depth', at };
    // Reversed, so that the first problem found is the first in document order.
    for (let i = children.length - 1; i >= 0; i--) {
      const [segment, child] = children[i]!;
      stack.push({ value: child, at: [...at, segment] });
    }
  }
  return undefined;
}
