// Stop steps carry their timeout (the command's -t, else stop_timeout, else 10), a changed stop_timeout
// plans nothing, and `restart` stops and starts in dependency order.

import { describe, expect, it } from 'vitest';
import { planChanges, type Plan, type PlannedAction } from '../../plans/index.js';
import { loadSpec } from '../../src/spec/index.js';
import type { ContainerSpec } from '../../src/spec/types.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired, host, observedOf, world } from './plan-fixtures.js';

const web = { ...container('web', { line: 1, ports: ['8080:80'], dependsOn: ['db'] }), stopTimeout: 3 };
const db = container('db', { line: 20 });

function timeoutsOf(plan: Plan): Record<string, number | undefined> {
  const stops = plan.actions.filter((a): a is PlannedAction & { params: { kind: 'stop' } } => a.params.kind === 'stop');
  return Object.fromEntries(stops.map((a) => [a.id, a.params.timeoutSeconds]));
}

function at(plan: Plan, id: string): number {
  const i = plan.actions.findIndex((a) => a.id === id);
  expect(i, `${id} is planned`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('stop timeouts in the plan', () => {
  it.each([
    ['down: stop_timeout, else the default 10', 'down', undefined, { 'local/web/stop': 3, 'local/db/stop': 10 }],
    ['down -t 0: every stop kills at once', 'down', 0, { 'local/web/stop': 0, 'local/db/stop': 0 }],
    ['stop -t 60 overrides stop_timeout', 'stop', 60, { 'local/web/stop': 60, 'local/db/stop': 60 }],
    ['rm', 'rm', undefined, { 'local/web/stop': 3, 'local/db/stop': 10 }],
    ['restart', 'restart', undefined, { 'local/web/stop': 3, 'local/db/stop': 10 }],
  ] as const)('%s', (_name, mode, stopTimeout, expected) => {
    const plan = planChanges({ desired: desired(web, db), observed: convergedLocal([web, db]), mode, ...(stopTimeout === undefined ? {} : { stopTimeout }) });
    expect(timeoutsOf(plan)).toEqual(expected);
  });

  it('a container that left the spec stops with the default, or with -t', () => {
    const old = { ...observedOf(container('old')), name: 'demo_old' };
    const hosts = world(host('local', [old]));
    expect(timeoutsOf(planChanges({ desired: desired(), observed: hosts, mode: 'down' }))).toEqual({ 'local/old/stop': 10 });
    expect(timeoutsOf(planChanges({ desired: desired(), observed: hosts, mode: 'down', stopTimeout: 2 }))).toEqual({ 'local/old/stop': 2 });
  });

  it('the stop of a snapshot origin waits for the origin\'s own stop_timeout', () => {
    const base = { ...container('base', { line: 40 }), stopTimeout: 25 };
    const snap = container('snap', { line: 60, clone: 'base', snapshot: true });
    const plan = planChanges({ desired: desired(base, snap), observed: convergedLocal([base]), mode: 'up' });
    expect(timeoutsOf(plan)).toEqual({ 'local/base/stop': 25 });
  });

  it('a changed stop_timeout alone plans nothing for an existing container', () => {
    const load = (extra: string) =>
      loadSpec({ text: `web:\n  template: busybox\n  ports: ["8080:80"]${extra}\ndb:\n  template: busybox\n`, file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    const before = load('');
    const after = load('\n  stop_timeout: 45');
    const hosts = convergedLocal(before.containers);
    for (const mode of ['up', 'create', 'start', 'ports'] as const) {
      const a = planChanges({ desired: before, observed: hosts, mode });
      const b = planChanges({ desired: after, observed: hosts, mode });
      expect(b.actions, mode).toEqual([]);
      expect(b.actions).toEqual(a.actions);
      // The host side of the plan is the same; only the spec digest tells the two specs apart.
      expect(b.observedDigests).toEqual(a.observedDigests);
    }
    expect(after.digest).not.toBe(before.digest);
  });
});

describe('restart', () => {
  const specs: ContainerSpec[] = [web, db];

  it('running: stop, start, forward again; dependents stop first and start last', () => {
    const plan = planChanges({ desired: desired(...specs), observed: convergedLocal(specs), mode: 'restart' });
    expect(plan.actions.map((a) => [a.id, a.reason])).toEqual(
      expect.arrayContaining([
        ['local/web/stop', 'requested'],
        ['local/web/start', 'requested'],
        ['local/web/forward-ports', 'requested'],
        ['local/db/stop', 'requested'],
        ['local/db/start', 'requested'],
      ]),
    );
    expect(plan.actions).toHaveLength(5);
    expect(at(plan, 'local/web/stop')).toBeLessThan(at(plan, 'local/db/stop'));
    expect(plan.actions[at(plan, 'local/db/stop')]!.dependsOn).toContain('local/web/stop');
    expect(plan.actions[at(plan, 'local/web/start')]!.dependsOn).toContain('local/db/start');
  });

  it('a stopped container is started; a target leaves its dependencies running', () => {
    const plan = planChanges({ desired: desired(...specs), observed: convergedLocal(specs, { web: 'STOPPED' }), mode: 'restart', targets: ['web'] });
    expect(plan.actions.map((a) => a.id)).toEqual(['local/web/start', 'local/web/forward-ports']);
  });

  it('a missing container is refused at its spec line', () => {
    const e = thrown(() => planChanges({ desired: desired(...specs), observed: convergedLocal([db]), mode: 'restart' }));
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toBe('container web does not exist');
    expect(e.location?.line).toBe(1);
  });
});
