// The actions a run must go through, read back from the plan recorded in its run.started event.
// Pure.

import { z } from 'zod';
import { corrupt } from './parse-log.js';

export interface RecordedAction {
  id: string;
  host: string;
  container: string;
  kind: string;
}

// Only what a fold needs: the plan's full shape belongs to plans/, and an older plan with
// extra or missing optional fields must still fold.
const recordedPlan = z.object({
  actions: z.array(z.object({ id: z.string(), host: z.string(), container: z.string(), kind: z.string() })),
});

/** `where` names the event in messages, e.g. `seq 12 (run.started of run r1)`. */
export function readPlanActions(plan: unknown, where: string): RecordedAction[] {
  const parsed = recordedPlan.safeParse(plan);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue && issue.path.length > 0 ? `plan.${issue.path.join('.')}: ` : 'plan: ';
    throw corrupt(`${where}: recorded plan is unreadable: ${path}${issue?.message ?? 'rejected'}`);
  }
  const seen = new Set<string>();
  return parsed.data.actions.map(({ id, host, container, kind }) => {
    if (seen.has(id)) throw corrupt(`${where}: recorded plan has action ${id} twice`);
    seen.add(id);
    return { id, host, container, kind };
  });
}
