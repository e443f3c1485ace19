// Planner: when a container's provision runs (after its first start, when its list changed or failed, on
// --reprovision), and where it sits: after the start, before the forwards, before its dependents start.

import { describe, expect, it } from 'vitest';
import { planChanges, provisionCommands, provisionDigest, renderPlan, type ObservedHost, type PlanMode, type ProvisionRecord } from '../../plans/index.js';
import type { ContainerSpec } from '../../src/spec/types.js';
import { container, convergedLocal, desired, host, observedOf, world } from './plan-fixtures.js';

const web = container('web', { line: 1, ports: ['8080:80'], provision: ['apk add nginx', { run: 'echo "$GREETING"', env: { GREETING: 'hi' } }] });
const plain = container('plain', { line: 40 });

/** `web` converged, with this record of its provision (undefined: none), in this state. */
function withRecord(spec: ContainerSpec, record: ProvisionRecord | undefined, state: 'RUNNING' | 'STOPPED' = 'RUNNING'): Map<string, ObservedHost> {
  const o = observedOf(spec, state);
  const { provision: _old, ...managed } = o.managed!;
  o.managed = record === undefined ? managed : { ...managed, provision: record };
  return world(host('local', [o]));
}

const digestOf = (spec: ContainerSpec) => provisionDigest(provisionCommands(spec));
const steps = (mode: PlanMode, spec: ContainerSpec, hosts: Map<string, ObservedHost>, reprovision = false) =>
  planChanges({ desired: desired(spec), observed: hosts, mode, reprovision }).actions;

describe('planning provision', () => {
  it.each<[string, Map<string, ObservedHost>, boolean, { symbol: string; reason: string; detail: string } | undefined]>([
    ['a new container: after its first start', world(host('local')), false, { symbol: '+', reason: 'missing', detail: '2 commands after the first start' }],
    ['a container that never ran its list', withRecord(web, undefined), false, { symbol: '+', reason: 'missing', detail: 'not provisioned yet: 2 commands' }],
    ['the list ran: nothing', withRecord(web, { digest: digestOf(web), state: 'done' }), false, undefined],
    ['the list ran, --reprovision', withRecord(web, { digest: digestOf(web), state: 'done' }), true, { symbol: '~', reason: 'requested', detail: 'forced by --reprovision: 2 commands' }],
    ['another list ran', withRecord(web, { digest: 'a'.repeat(64), state: 'done' }), false, { symbol: '~', reason: 'drifted', detail: '(changed) 2 commands' }],
    ['another list failed', withRecord(web, { digest: 'a'.repeat(64), state: 'failed' }), false, { symbol: '~', reason: 'drifted', detail: '(changed) 2 commands, the last list failed' }],
    ['this list failed', withRecord(web, { digest: digestOf(web), state: 'failed' }), false, { symbol: '~', reason: 'drifted', detail: 'provision failed: retry 2 commands' }],
  ])('%s', (_name, hosts, reprovision, expected) => {
    const step = steps('up', web, hosts, reprovision).find((a) => a.kind === 'provision');
    if (expected === undefined) return expect(step).toBeUndefined();
    expect(step).toMatchObject({ ...expected, specRef: { line: 17, col: 7, path: 'web.provision[0]' } });
    expect(step!.params).toEqual({ kind: 'provision', commands: [{ run: 'apk add nginx' }, { run: 'echo "$GREETING"', env: { GREETING: 'hi' } }] });
  });

  it('the plan reads `~ provision (changed)` for a changed list', () => {
    const plan = planChanges({ desired: desired(web), observed: withRecord(web, { digest: 'a'.repeat(64), state: 'done' }), mode: 'up' });
    expect(renderPlan(plan)).toMatch(/~ provision\s+\(changed\) 2 commands/);
  });

  it('runs after the start and before the forwards of a new container', () => {
    const kinds = steps('up', web, world(host('local'))).map((a) => a.kind);
    expect(kinds.indexOf('provision')).toBe(kinds.indexOf('start') + 1);
    expect(kinds.indexOf('forward-ports')).toBe(kinds.indexOf('provision') + 1);
    const actions = steps('up', web, world(host('local')));
    expect(actions.find((a) => a.kind === 'provision')!.dependsOn).toEqual(['local/web/start']);
    expect(actions.find((a) => a.kind === 'forward-ports')!.dependsOn).toEqual(['local/web/provision']);
  });

  it('a stopped container whose list never ran is started, then provisioned', () => {
    const actions = steps('up', web, withRecord(web, undefined, 'STOPPED'));
    expect(actions.map((a) => a.kind)).toEqual(['start', 'provision', 'forward-ports']);
  });

  it('a container without a list never gets the step, --reprovision or not', () => {
    expect(steps('up', plain, world(host('local')), true).some((a) => a.kind === 'provision')).toBe(false);
    expect(steps('up', plain, convergedLocal([plain]), true)).toEqual([]);
  });

  it.each<PlanMode>(['create', 'start', 'restart', 'ports'])('%s never provisions', (mode) => {
    const hosts = mode === 'create' ? world(host('local')) : withRecord(web, undefined);
    expect(steps(mode, web, hosts, true).some((a) => a.kind === 'provision')).toBe(false);
  });

  it('a dependent starts after what it depends on is provisioned', () => {
    const db = container('db', { line: 60, provision: ['echo db'] });
    const app = container('app', { line: 80, dependsOn: ['db'] });
    const plan = planChanges({ desired: desired(db, app), observed: world(host('local')), mode: 'up' });
    const start = plan.actions.find((a) => a.id === 'local/app/start')!;
    expect(start.dependsOn).toContain('local/db/provision');
  });

  it('a clone does not inherit its origin\'s record: it runs its own list after its first start', () => {
    const origin = container('origin', { line: 60, provision: ['echo o'] });
    const copy = container('copy', { line: 80, clone: 'origin', provision: ['echo o'] });
    const o = observedOf(origin);
    // What lxc-copy leaves: the origin's block, provision record and all, in the clone's config.
    const cloned = { ...observedOf(origin), name: 'demo_copy' };
    const actions = planChanges({ desired: desired(origin, copy), observed: world(host('local', [o, cloned])), mode: 'up' }).actions;
    expect(actions.find((a) => a.id === 'local/copy/provision')).toMatchObject({ symbol: '+', reason: 'missing' });
    expect(actions.some((a) => a.id === 'local/origin/provision')).toBe(false);
  });

  it('--reprovision limited to one container provisions only that one', () => {
    const other = container('other', { line: 60, provision: ['echo other'] });
    const plan = planChanges({ desired: desired(web, other), observed: convergedLocal([web, other]), mode: 'up', targets: ['other'], reprovision: true });
    expect(plan.actions.map((a) => a.id)).toEqual(['local/other/provision']);
  });
});
