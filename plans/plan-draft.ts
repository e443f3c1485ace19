// A plan under construction: at most one step of each kind per container, plus cross-container edges.
// Edges are declared by intent ("if both are planned") and resolved only once every step is known.

import type { SpecRef } from '../src/spec/types.js';
import type { ActionKind, ActionParams, ActionReason, ChangeSymbol, PlannedAction } from './types.js';

/** Which container an action is about. */
export interface ContainerRef {
  host: string;
  /** Short name. */
  container: string;
  lxcName: string;
}

export interface StepDraft {
  symbol: ChangeSymbol;
  reason: ActionReason;
  detail: string;
  specRef?: SpecRef;
  params: ActionParams;
}

/**
 * Chain position of each kind. A container is either converged (unfreeze?, stop?, create|clone, ...,
 * forward-ports), torn down (unforward-ports, unfreeze?, stop, destroy) or frozen in one plan, so one order serves all.
 */
export const CHAIN_ORDER: readonly ActionKind[] = [
  'unforward-ports',
  // A frozen container ignores the clean-stop request (lxc-stop waits out its timeout): thawed first.
  'unfreeze',
  'stop',
  'create',
  'clone',
  'copy-out',
  'write-mounts',
  'install-hostname-hook',
  'set-network',
  'write-links',
  'set-autostart',
  'set-limits',
  'set-config',
  'set-dns',
  'start',
  'provision',
  'forward-ports',
  'freeze',
  'destroy',
];

interface ContainerSteps {
  ref: ContainerRef;
  steps: Map<ActionKind, StepDraft>;
}

interface Edge {
  from: ContainerRef;
  fromKind: ActionKind;
  to: ContainerRef;
  toKind: ActionKind;
}

function keyOf(ref: ContainerRef): string {
  return `${ref.host}\0${ref.lxcName}`;
}

function compareRefs(a: ContainerRef, b: ContainerRef): number {
  for (const [x, y] of [[a.host, b.host], [a.container, b.container], [a.lxcName, b.lxcName]] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class PlanDraft {
  private readonly containers = new Map<string, ContainerSteps>();
  private readonly edges: Edge[] = [];

  constructor(private readonly project: string) {}

  /** Adds a step unless the container already has one of that kind; returns whether it was added. */
  add(ref: ContainerRef, step: StepDraft): boolean {
    const key = keyOf(ref);
    let entry = this.containers.get(key);
    if (entry === undefined) {
      entry = { ref, steps: new Map() };
      this.containers.set(key, entry);
    }
    if (entry.steps.has(step.params.kind)) return false;
    entry.steps.set(step.params.kind, step);
    return true;
  }

  has(ref: ContainerRef, kind: ActionKind): boolean {
    return this.containers.get(keyOf(ref))?.steps.has(kind) ?? false;
  }

  /** `from` runs after `to`, when both end up planned. */
  require(from: ContainerRef, fromKind: ActionKind, to: ContainerRef, toKind: ActionKind): void {
    this.edges.push({ from, fromKind, to, toKind });
  }

  /** Every planned action with ids and dependsOn filled in, in container then chain order. */
  materialize(): PlannedAction[] {
    const ids = new Map<string, string>();
    const used = new Set<string>();
    const actions: PlannedAction[] = [];
    const entries = [...this.containers.values()].sort((a, b) => compareRefs(a.ref, b.ref));
    for (const { ref, steps } of entries) {
      let previous: string | undefined;
      for (const kind of CHAIN_ORDER) {
        const step = steps.get(kind);
        if (step === undefined) continue;
        const id = uniqueId(`${ref.host}/${ref.container}/${kind}`, used);
        ids.set(`${keyOf(ref)}\0${kind}`, id);
        const action: PlannedAction = {
          id,
          host: ref.host,
          project: this.project,
          container: ref.container,
          lxcName: ref.lxcName,
          kind,
          symbol: step.symbol,
          reason: step.reason,
          detail: step.detail,
          dependsOn: previous === undefined ? [] : [previous],
          params: step.params,
        };
        if (step.specRef !== undefined) action.specRef = step.specRef;
        actions.push(action);
        previous = id;
      }
    }
    const byId = new Map(actions.map((a) => [a.id, a]));
    for (const edge of this.edges) {
      const from = ids.get(`${keyOf(edge.from)}\0${edge.fromKind}`);
      const to = ids.get(`${keyOf(edge.to)}\0${edge.toKind}`);
      if (from === undefined || to === undefined || from === to) continue;
      const action = byId.get(from);
      if (action !== undefined && !action.dependsOn.includes(to)) action.dependsOn.push(to);
    }
    for (const action of actions) action.dependsOn.sort();
    return actions;
  }
}

/** `#2`, `#3`... only when two containers share a short name on one host (a stale copy of another). */
function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}#${n}`;
  used.add(id);
  return id;
}
