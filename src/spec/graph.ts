// Cycles in the graph of "must exist or run first" edges: clones of project containers and
// depends_on. A cycle can never be ordered, so it is refused before any plan is made.
import { specError } from './spec-error.js';
import type { SpecRef } from './types.js';

export interface Edge {
  from: string;
  to: string;
  /** The `clone` value or `depends_on` entry that makes the edge. */
  ref: SpecRef;
}

/** Throws PLAN_CYCLE naming the first cycle found (nodes visited in name order, so stable). */
export function assertAcyclic(nodes: readonly string[], edges: readonly Edge[]): void {
  const out = new Map<string, Edge[]>();
  for (const e of edges) out.set(e.from, [...(out.get(e.from) ?? []), e]);
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];

  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const edge of out.get(node) ?? []) {
      const seen = state.get(edge.to);
      if (seen === 'open') {
        const cycle = [...stack.slice(stack.indexOf(edge.to)), edge.to];
        throw specError(
          `cycle: ${cycle.join(' -> ')}`,
          edge.ref,
          'a container cannot (indirectly) clone or depend on itself: remove one of these clone/depends_on links',
          'PLAN_CYCLE',
        );
      }
      if (seen === undefined) visit(edge.to);
    }
    stack.pop();
    state.set(node, 'done');
  };

  for (const node of [...nodes].sort()) if (!state.has(node)) visit(node);
}
