// freeze / unfreeze in the plan: only running containers are frozen (a named stopped one is an error),
// only frozen ones thawed; a FROZEN container is thawed before any stop (a frozen init never hears the
// clean-stop request) and is `~ unfreeze` drift, never `> start`, in up and start.

import { describe, expect, it } from 'vitest';
import { planChanges, summarizePlan, type Plan, type PlanMode } from '../../plans/index.js';
import type { ContainerState } from '../../plans/observed.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired } from './plan-fixtures.js';

const web = container('web', { line: 1, ports: ['8080:80'], dependsOn: ['db'] });
const db = container('db', { line: 20 });

function plan(mode: PlanMode, states: Record<string, ContainerState>, targets: string[] = []): Plan {
  return planChanges({ desired: desired(web, db), observed: convergedLocal([web, db], states), mode, targets });
}

/** `id symbol reason`, in plan order. */
const steps = (p: Plan) => p.actions.map((a) => `${a.id} ${a.symbol} ${a.reason}`);

describe('freeze and unfreeze plans', () => {
  it.each([
    ['freeze: every running container', 'freeze', { web: 'RUNNING', db: 'RUNNING' }, [], ['local/db/freeze ~ requested', 'local/web/freeze ~ requested']],
    ['freeze: a frozen one is left as it is', 'freeze', { web: 'FROZEN', db: 'RUNNING' }, [], ['local/db/freeze ~ requested']],
    ['freeze without names leaves a stopped one alone', 'freeze', { web: 'STOPPED', db: 'RUNNING' }, [], ['local/db/freeze ~ requested']],
    ['freeze of one name does not widen to what it depends on', 'freeze', { web: 'RUNNING', db: 'RUNNING' }, ['web'], ['local/web/freeze ~ requested']],
    ['unfreeze: only frozen ones', 'unfreeze', { web: 'FROZEN', db: 'RUNNING' }, [], ['local/web/unfreeze ~ requested']],
    ['unfreeze of a stopped one: nothing', 'unfreeze', { web: 'STOPPED', db: 'STOPPED' }, [], []],
    ['up: a frozen container is thawed, not started', 'up', { web: 'FROZEN', db: 'RUNNING' }, [], ['local/web/unfreeze ~ drifted']],
    ['start: the same, as requested', 'start', { web: 'RUNNING', db: 'FROZEN' }, [], ['local/db/unfreeze ~ requested']],
    ['stop: thawed first, then stopped', 'stop', { web: 'FROZEN', db: 'STOPPED' }, ['web'], ['local/web/unforward-ports - requested', 'local/web/unfreeze ~ requested', 'local/web/stop || requested']],
    ['restart: thawed, stopped, started', 'restart', { web: 'RUNNING', db: 'FROZEN' }, ['db'], ['local/db/unfreeze ~ requested', 'local/db/stop || requested', 'local/db/start > requested']],
  ] as const)('%s', (_name, mode, states, targets, expected) => {
    expect(steps(plan(mode, states, [...targets]))).toEqual(expected);
  });

  it('down thaws a frozen container before its stop, and the stop waits for the thaw', () => {
    const p = plan('down', { web: 'FROZEN', db: 'RUNNING' });
    const stop = p.actions.find((a) => a.id === 'local/web/stop');
    expect(stop?.dependsOn).toContain('local/web/unfreeze');
    expect(p.actions.find((a) => a.id === 'local/db/unfreeze')).toBeUndefined();
  });

  it.each([
    ['STOPPED', 'only a running container can be frozen: locker start web'],
    ['MISSING', 'run `locker up` first'],
  ] as const)('freeze of a named %s container is an error at its spec line', (state, hint) => {
    const observed = state === 'MISSING' ? convergedLocal([db]) : convergedLocal([web, db], { web: state });
    const e = thrown(() => planChanges({ desired: desired(web, db), observed, mode: 'freeze', targets: ['web'] }));
    expect(e).toMatchObject({ code: 'HOST_PRECONDITION', message: `cannot freeze web: it is ${state}`, hint, location: { line: 1 } });
  });

  it('a frozen container is counted as a change in the summary line', () => {
    const p = plan('up', { web: 'FROZEN', db: 'RUNNING' });
    expect(p.actions.map((a) => [a.kind, a.detail])).toEqual([['unfreeze', 'container is FROZEN']]);
    expect(summarizePlan(p)).toEqual({ add: 0, change: 1, destroy: 0, start: 0, stop: 0 });
  });
});
