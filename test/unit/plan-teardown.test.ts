import { describe, expect, it } from 'vitest';
import { planChanges, type ActionReason, type ObservedHost, type Plan, type PlanMode } from '../../plans/index.js';
import type { ErrorCode } from '../../src/errors.js';
import type { DesiredState } from '../../src/spec/types.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';

interface TeardownCase {
  name: string;
  spec: DesiredState;
  hosts: Map<string, ObservedHost>;
  mode: PlanMode;
  targets?: string[];
  actions: Record<string, ActionReason>;
  order?: Array<[string, string]>;
}

function indexOf(plan: Plan, id: string): number {
  const i = plan.actions.findIndex((a) => a.id === id);
  expect(i, `${id} is in the plan`).toBeGreaterThanOrEqual(0);
  return i;
}

const web = container('web', { line: 1, ports: ['8080:80'], dependsOn: ['db'] });
const db = container('db', { line: 20, ports: ['5432:5432'] });
const base = container('base', { line: 40 });
const snap = container('snap', { line: 60, clone: 'base', snapshot: true, ports: ['8081:80'] });
const copy = container('copy', { line: 80, clone: 'base' });
const old = { ...observedOf(container('old')), name: 'demo_old' };

const cases: TeardownCase[] = [
  {
    name: 'stop: unforward before stop; dependents stop before their dependencies',
    spec: desired(web, db),
    hosts: convergedLocal([web, db]),
    mode: 'stop',
    actions: {
      'local/db/unforward-ports': 'requested',
      'local/db/stop': 'requested',
      'local/web/unforward-ports': 'requested',
      'local/web/stop': 'requested',
    },
    order: [
      ['local/web/stop', 'local/db/stop'],
      ['local/db/unforward-ports', 'local/db/stop'],
      ['local/web/unforward-ports', 'local/web/stop'],
    ],
  },
  {
    name: 'stop: an already stopped container only loses its forwards',
    spec: desired(web, db),
    hosts: convergedLocal([web, db], { web: 'STOPPED', db: 'STOPPED' }),
    mode: 'stop',
    targets: ['web'],
    actions: { 'local/web/unforward-ports': 'requested' },
  },
  {
    name: 'rm of one target leaves its dependencies alone',
    spec: desired(web, db),
    hosts: convergedLocal([web, db]),
    mode: 'rm',
    targets: ['web'],
    actions: {
      'local/web/unforward-ports': 'requested',
      'local/web/stop': 'requested',
      'local/web/destroy': 'requested',
    },
    order: [
      ['local/web/unforward-ports', 'local/web/stop'],
      ['local/web/stop', 'local/web/destroy'],
    ],
  },
  {
    name: 'rm of a stopped container without forwards: destroy only',
    spec: desired(base),
    hosts: convergedLocal([base], { base: 'STOPPED' }),
    mode: 'rm',
    actions: { 'local/base/destroy': 'requested' },
  },
  {
    name: 'rm of an origin whose full copy stays is allowed',
    spec: desired(base, copy),
    hosts: convergedLocal([base, copy]),
    mode: 'rm',
    targets: ['base'],
    actions: { 'local/base/stop': 'requested', 'local/base/destroy': 'requested' },
  },
  {
    name: 'down: clones destroyed before origins, unforward before stop before destroy, leftovers too',
    spec: desired(base, snap, copy, web, db),
    hosts: world(
      host(
        'local',
        [...[base, snap, copy, web, db].map((s) => observedOf(s)), old],
        [...[snap, web, db].flatMap(forwardsOf), ...forwardsOf(container('gone', { ports: ['9100:9100'] }))],
      ),
    ),
    mode: 'down',
    actions: {
      'local/base/stop': 'requested',
      'local/base/destroy': 'requested',
      'local/copy/stop': 'requested',
      'local/copy/destroy': 'requested',
      'local/db/unforward-ports': 'requested',
      'local/db/stop': 'requested',
      'local/db/destroy': 'requested',
      'local/gone/unforward-ports': 'not-in-spec',
      'local/old/stop': 'not-in-spec',
      'local/old/destroy': 'not-in-spec',
      'local/snap/unforward-ports': 'requested',
      'local/snap/stop': 'requested',
      'local/snap/destroy': 'requested',
      'local/web/unforward-ports': 'requested',
      'local/web/stop': 'requested',
      'local/web/destroy': 'requested',
    },
    order: [
      ['local/snap/destroy', 'local/base/destroy'],
      ['local/copy/destroy', 'local/base/destroy'],
      ['local/web/stop', 'local/db/stop'],
      ['local/snap/unforward-ports', 'local/snap/stop'],
      ['local/snap/stop', 'local/snap/destroy'],
    ],
  },
  {
    name: 'down of a project that is not there: nothing',
    spec: desired(web, db),
    hosts: world(host('local')),
    mode: 'down',
    actions: {},
  },
  {
    name: 'rmports: unforward where there are forwards, including dangling ones',
    spec: desired(web, db, base),
    hosts: world(
      host('local', [observedOf(web), observedOf(db), observedOf(base)], [...forwardsOf(web), ...forwardsOf(container('gone', { ports: ['9100:9100'] }))]),
    ),
    mode: 'rmports',
    actions: { 'local/web/unforward-ports': 'requested', 'local/gone/unforward-ports': 'requested' },
  },
];

describe('planChanges: teardown modes', () => {
  it.each(cases)('$name', (c) => {
    const plan = planChanges({ desired: c.spec, observed: c.hosts, mode: c.mode, targets: c.targets });
    expect(Object.fromEntries(plan.actions.map((a) => [a.id, a.reason]))).toEqual(c.actions);
    plan.actions.forEach((action, i) => {
      expect(action.id).toBe(`${action.host}/${action.container}/${action.kind}`);
      expect(action.symbol).toBe(action.kind === 'stop' ? '||' : '-');
      for (const dep of action.dependsOn) expect(indexOf(plan, dep)).toBeLessThan(i);
    });
    for (const [a, b] of c.order ?? []) expect(indexOf(plan, a), `${a} before ${b}`).toBeLessThan(indexOf(plan, b));
  });
});

interface ErrorCase {
  name: string;
  spec: DesiredState;
  hosts: Map<string, ObservedHost>;
  mode: PlanMode;
  targets?: string[];
  code: ErrorCode;
  message: RegExp;
  hint?: RegExp;
}

const errorCases: ErrorCase[] = [
  {
    name: 'rm of an origin whose snapshot clone stays',
    spec: desired(base, snap),
    hosts: convergedLocal([base, snap]),
    mode: 'rm',
    targets: ['base'],
    code: 'HOST_PRECONDITION',
    message: /cannot remove demo_base: snapshot clone demo_snap depends on it/,
  },
  {
    name: 'rm of an origin with a snapshot clone made outside the project',
    spec: desired(base),
    hosts: world(host('local', [observedOf(base), { name: 'mine', state: 'STOPPED', ipv4: [], origin: 'demo_base' }])),
    mode: 'rm',
    code: 'HOST_PRECONDITION',
    message: /snapshot clone mine depends on it/,
  },
  {
    name: 'start of a container that does not exist',
    spec: desired(web, db),
    hosts: convergedLocal([db]),
    mode: 'start',
    code: 'HOST_PRECONDITION',
    message: /^container web does not exist$/,
    hint: /locker create/,
  },
  {
    name: 'unknown target',
    spec: desired(web, db),
    hosts: convergedLocal([web, db]),
    mode: 'rm',
    targets: ['wbe'],
    code: 'USAGE',
    message: /no container named wbe/,
    hint: /db, web/,
  },
  {
    name: 'clone of a running container outside the project',
    spec: desired(container('web', { clone: '!golden' })),
    hosts: world(host('local', [{ name: 'golden', state: 'RUNNING', ipv4: ['10.0.3.5'] }])),
    mode: 'up',
    code: 'HOST_PRECONDITION',
    message: /^origin golden is running; a clone needs it stopped$/,
    hint: /stop it first/,
  },
  {
    name: 'clone of a container that does not exist',
    spec: desired(container('web', { clone: '!golden' })),
    hosts: world(host('local')),
    mode: 'up',
    code: 'HOST_PRECONDITION',
    message: /origin golden of web does not exist/,
  },
  {
    name: 'depends_on cycle',
    spec: desired(container('a', { dependsOn: ['b'] }), container('b', { dependsOn: ['a'] })),
    hosts: world(host('local')),
    mode: 'up',
    code: 'PLAN_CYCLE',
    message: /local\/a\/start -> local\/b\/start -> local\/a\/start|local\/b\/start -> local\/a\/start -> local\/b\/start/,
  },
  {
    name: 'clone cycle',
    spec: desired(container('a', { clone: 'b' }), container('b', { clone: 'a' })),
    hosts: world(host('local')),
    mode: 'create',
    code: 'PLAN_CYCLE',
    message: /local\/a\/clone -> local\/b\/clone -> local\/a\/clone|local\/b\/clone -> local\/a\/clone -> local\/b\/clone/,
  },
  {
    name: 'a host without observed state',
    spec: desired(container('web', { host: 'far' })),
    hosts: world(host('local')),
    mode: 'up',
    code: 'AGENT_OFFLINE',
    message: /no observed state for host far/,
  },
];

describe('planChanges: refusals', () => {
  it.each(errorCases)('$name', (c) => {
    const error = thrown(() => planChanges({ desired: c.spec, observed: c.hosts, mode: c.mode, targets: c.targets }));
    expect(error.code).toBe(c.code);
    expect(error.message).toMatch(c.message);
    if (c.hint) expect(error.hint).toMatch(c.hint);
  });
});
