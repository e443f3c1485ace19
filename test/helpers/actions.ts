// Planned actions and jobs for tests: a well-formed default that each test overrides where it matters.

import type { ActionParams, PlannedAction } from '../../plans/types.js';
import type { Job } from '../../src/transport/types.js';

/**
 * An action with these params: by default a `+` (missing) step of container `web` of project `demo` on host
 * `local`, depending on nothing. Unless overridden, kind is the params' kind, the LXC name is
 * `<project>_<container>` and the id is `<host>/<container>/<kind>`, as the planner makes them.
 */
export function makeAction(params: ActionParams, over: Partial<PlannedAction> = {}): PlannedAction {
  const host = over.host ?? 'local';
  const project = over.project ?? 'demo';
  const container = over.container ?? 'web';
  const kind = over.kind ?? params.kind;
  return {
    id: `${host}/${container}/${kind}`,
    host,
    project,
    container,
    lxcName: `${project}_${container}`,
    kind,
    symbol: '+',
    reason: 'missing',
    detail: '',
    dependsOn: [],
    params,
    ...over,
  };
}

/** A job that runs `action`: attempt 1 of run `r1` of plan `p1` unless overridden. */
export function makeJob(action: PlannedAction, over: Partial<Omit<Job, 'action'>> = {}): Job {
  return { runId: 'r1', planId: 'p1', attempt: 1, action, ...over };
}
