// The plan as a person reviews it: grouped by container, one line per action, Terraform-like.
// Text only; colour and terminal width belong to the CLI.

import type { ChangeSymbol, Plan, PlannedAction } from './types.js';

/** Actions by what they do; starts and stops are neither creations nor destructions. */
export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  start: number;
  stop: number;
}

const COUNTED_AS: Record<ChangeSymbol, keyof PlanSummary> = {
  '+': 'add',
  '~': 'change',
  '-/+': 'change',
  '-': 'destroy',
  '>': 'start',
  '||': 'stop',
};

/** By kind first: plans saved before `>` and `||` drew starts and stops as `+`, `~` or `-`. */
function countedAs(action: PlannedAction): keyof PlanSummary {
  if (action.kind === 'start' || action.kind === 'stop') return action.kind;
  return COUNTED_AS[action.symbol];
}

export function summarizePlan(plan: Plan): PlanSummary {
  const summary: PlanSummary = { add: 0, change: 0, destroy: 0, start: 0, stop: 0 };
  for (const action of plan.actions) summary[countedAs(action)] += 1;
  return summary;
}

const KIND_WIDTH = 24;
const DETAIL_WIDTH = 40;

function renderAction(action: PlannedAction, symbolWidth: number): string {
  const ref = action.specRef;
  const where = ref === undefined ? '' : `${ref.file}:${ref.line}:${ref.col}  `;
  return `    ${action.symbol.padEnd(symbolWidth)} ${action.kind.padEnd(KIND_WIDTH)} ${action.detail.padEnd(DETAIL_WIDTH)}  ${where}(${action.reason})`;
}

/** Containers in order of their first action; each container's actions in plan order. */
function groupByContainer(actions: readonly PlannedAction[]): PlannedAction[][] {
  const groups = new Map<string, PlannedAction[]>();
  for (const action of actions) {
    const key = `${action.host}\0${action.lxcName}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [action]);
    else group.push(action);
  }
  return [...groups.values()];
}

export function renderPlan(plan: Plan): string {
  if (plan.actions.length === 0) return `No changes. Hosts match ${plan.specFile}.\n`;
  const symbolWidth = Math.max(...plan.actions.map((a) => a.symbol.length));
  const scope = plan.targets.length === 0 ? '' : `, limited to ${plan.targets.join(', ')}`;
  const lines = [`Locker plan ${plan.planId} for project ${plan.project} (mode ${plan.mode}${scope}):`, ''];
  for (const group of groupByContainer(plan.actions)) {
    const first = group[0] as PlannedAction;
    lines.push(`  ${first.lxcName} on ${first.host}`);
    for (const action of group) lines.push(renderAction(action, symbolWidth));
  }
  const { add, change, destroy, start, stop } = summarizePlan(plan);
  lines.push('', `Plan: ${add} to add, ${change} to change, ${destroy} to destroy; ${start} to start, ${stop} to stop.`);
  return `${lines.join('\n')}\n`;
}
