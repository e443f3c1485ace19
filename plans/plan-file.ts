// The plan file: canonical JSON out, validated Plan in. The id is a hash of everything else,
// so a plan edited by hand (or by a different Locker) is caught instead of applied.

import { LockerError } from '../src/errors.js';
import { stringifyCanonical } from '../src/rules/canonical-json.js';
import { hashSha256 } from './digest.js';
import { orderActions } from './order-actions.js';
import { asPlan, planSchema } from './plan-schema.js';
import type { Plan } from './types.js';

/** Canonical JSON: sorted keys, 2-space indent, trailing newline. Equal plans give equal bytes. */
export function serializePlan(plan: Plan): string {
  return stringifyCanonical(plan);
}

/** First 12 hex digits of the sha256 of the serialized plan without its id. */
export function computePlanId(plan: Omit<Plan, 'planId'> | Plan): string {
  const { planId: _ignored, ...rest } = plan as Plan;
  return hashSha256(stringifyCanonical(rest)).slice(0, 12);
}

export function parsePlan(text: string, file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new LockerError('PLAN_INVALID', `${file} is not JSON: ${(e as Error).message}`, {
      hint: 'save a plan with `locker plan -o FILE`',
      cause: e,
    });
  }
  const result = planSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : `${formatPath(issue.path)}: `;
    throw new LockerError('PLAN_INVALID', `${file} is not a Locker plan: ${where}${issue?.message ?? 'invalid'}`, {
      hint: 'save a plan with `locker plan -o FILE`',
      detail: result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join('\n'),
    });
  }
  const plan = asPlan(result.data);
  if (computePlanId(plan) !== plan.planId) {
    throw new LockerError('PLAN_INVALID', `${file} was changed after it was planned (its id does not match its content)`, {
      hint: 'make a new plan with `locker plan`',
    });
  }
  checkOrder(plan, file);
  return plan;
}

/** A saved plan must already be in execution order: the runner trusts the list as it is. */
function checkOrder(plan: Plan, file: string): void {
  try {
    // Catches duplicate ids, unknown dependencies and cycles with their own messages.
    orderActions(plan.actions);
  } catch (e) {
    const message = e instanceof LockerError ? e.message : String(e);
    throw new LockerError('PLAN_INVALID', `${file}: ${message}`, { cause: e });
  }
  const seen = new Set<string>();
  for (const action of plan.actions) {
    const late = action.dependsOn.find((dep) => !seen.has(dep));
    if (late !== undefined) {
      throw new LockerError('PLAN_INVALID', `${file}: action ${action.id} comes before ${late}, which it depends on`);
    }
    seen.add(action.id);
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)';
}
