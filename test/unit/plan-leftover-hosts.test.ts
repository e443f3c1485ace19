// The planner over hosts the spec no longer names: what a known host holds of the project is a leftover
// like any other (up/plan and down remove it as not-in-spec, `rm NAME` and `stop NAME` act on it by name),
// and such a host enters the plan's digests, so a plan made before it changed is stale.

import { describe, expect, it } from 'vitest';
import { holdsProject, planChanges, type ActionReason, type ObservedHost, type PlanMode } from '../../plans/index.js';
import type { DesiredState } from '../../src/spec/types.js';
import { thrown } from '../helpers/errors.js';
import { container, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';

const a = container('a', { host: 'h1' });
const b = container('b', { host: 'h2', ports: ['8080:80'] });
const c = container('c', { host: 'h3' });
// The spec now holds only a; b was on h2 and c on h3, which the spec no longer names.
const spec = desired(a);
const hosts = world(
  host('h1', [observedOf(a)]),
  host('h2', [observedOf(b)], forwardsOf(b)),
  host('h3', [observedOf(c, 'STOPPED')]),
);

interface Case {
  name: string;
  mode: PlanMode;
  targets?: string[];
  actions: Record<string, ActionReason>;
}

const cases: Case[] = [
  {
    name: 'up removes what the project left on hosts outside the spec',
    mode: 'up',
    actions: {
      'h2/b/unforward-ports': 'not-in-spec',
      'h2/b/stop': 'not-in-spec',
      'h2/b/destroy': 'not-in-spec',
      'h3/c/destroy': 'not-in-spec',
    },
  },
  {
    name: 'down removes the spec containers and those leftovers',
    mode: 'down',
    actions: {
      'h1/a/stop': 'requested',
      'h1/a/destroy': 'requested',
      'h2/b/unforward-ports': 'not-in-spec',
      'h2/b/stop': 'not-in-spec',
      'h2/b/destroy': 'not-in-spec',
      'h3/c/destroy': 'not-in-spec',
    },
  },
  {
    name: 'rm NAME removes a leftover by its name, and nothing else',
    mode: 'rm',
    targets: ['b'],
    actions: { 'h2/b/unforward-ports': 'requested', 'h2/b/stop': 'requested', 'h2/b/destroy': 'requested' },
  },
  {
    name: 'rm of a spec container and a leftover',
    mode: 'rm',
    targets: ['a', 'c'],
    actions: { 'h1/a/stop': 'requested', 'h1/a/destroy': 'requested', 'h3/c/destroy': 'requested' },
  },
  {
    name: 'stop NAME stops a leftover and keeps it',
    mode: 'stop',
    targets: ['b'],
    actions: { 'h2/b/unforward-ports': 'requested', 'h2/b/stop': 'requested' },
  },
  {
    name: 'rmports NAME removes the forwards of a leftover',
    mode: 'rmports',
    targets: ['b'],
    actions: { 'h2/b/unforward-ports': 'requested' },
  },
];

describe('planChanges: leftovers on hosts the spec does not name', () => {
  it.each(cases)('$name', (t) => {
    const plan = planChanges({ desired: spec, observed: hosts, mode: t.mode, targets: t.targets });
    expect(Object.fromEntries(plan.actions.map((x) => [x.id, x.reason]))).toEqual(t.actions);
    for (const [i, action] of plan.actions.entries()) {
      for (const dep of action.dependsOn) expect(plan.actions.findIndex((x) => x.id === dep)).toBeLessThan(i);
    }
  });

  it('the hosts of the leftovers are in the digests a plan is checked against', () => {
    const plan = planChanges({ desired: spec, observed: hosts, mode: 'up' });
    expect(Object.keys(plan.observedDigests)).toEqual(['h1', 'h2', 'h3']);
  });

  it('once they are gone, the next plan is empty', () => {
    const after = world(host('h1', [observedOf(a)]), host('h2'), host('h3'));
    expect(planChanges({ desired: spec, observed: after, mode: 'up' }).actions).toEqual([]);
  });

  it('a name neither in the spec nor left on a host is a usage error', () => {
    const error = thrown(() => planChanges({ desired: spec, observed: hosts, mode: 'rm', targets: ['nosuch'] }));
    expect(error.code).toBe('USAGE');
    expect(error.message).toMatch(/no container named nosuch/);
  });

  it('a leftover cannot be brought up by name: up only knows the spec', () => {
    const error = thrown(() => planChanges({ desired: spec, observed: hosts, mode: 'up', targets: ['b'] }));
    expect(error.code).toBe('USAGE');
  });

  it("another project's containers on such a host are not the project's", () => {
    const foreign = { ...observedOf(b), managed: { ...observedOf(b).managed!, project: 'other' } };
    const observed = world(host('h1', [observedOf(a)]), host('h2', [foreign]));
    expect(planChanges({ desired: spec, observed, mode: 'down' }).actions.map((x) => x.id)).toEqual(['h1/a/stop', 'h1/a/destroy']);
  });
});

describe('holdsProject: whether a host outside the spec matters to the project', () => {
  const empty: ObservedHost = host('h9');
  const cases: Array<{ name: string; host: ObservedHost; spec: DesiredState; holds: boolean }> = [
    { name: 'an empty host', host: empty, spec, holds: false },
    { name: 'a tagged container', host: host('h9', [observedOf(b)]), spec, holds: true },
    { name: 'only a forward of the project', host: host('h9', [], forwardsOf(b)), spec, holds: true },
    { name: 'an untagged container of the same name', host: host('h9', [{ name: 'demo_b', state: 'RUNNING', ipv4: [] }]), spec, holds: false },
  ];
  it.each(cases)('$name', (t) => {
    expect(holdsProject(t.host, t.spec.project)).toBe(t.holds);
  });
});
