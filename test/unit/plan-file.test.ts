import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  digestObserved,
  orderActions,
  parsePlan,
  planChanges,
  renderPlan,
  serializePlan,
  summarizePlan,
  type PlannedAction,
} from '../../plans/index.js';
import { makeAction } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';

const GOLDEN = fileURLToPath(new URL('../fixtures/plans/demo-up.json', import.meta.url));

const demo = desired(
  container('db', { line: 1, volumes: ['/srv/demo/db:/var/lib/db', '/srv/demo/conf:/etc/db:ro'], fqdn: 'db.demo.test', ports: ['5432:5432'] }),
  container('web', { line: 20, template: 'download', ports: ['8080:80', '192.168.2.123:8443:443'], dependsOn: ['db'] }),
  container('worker', { line: 40, clone: 'web', snapshot: true, dependsOn: ['db'] }),
);
const demoHosts = world(host('local', [], forwardsOf(container('old', { ports: ['9000:9000/udp'] }))));

function planDemo() {
  return planChanges({ desired: demo, observed: demoHosts, mode: 'up' });
}

describe('plan file', () => {
  it('same inputs give byte-identical plans', () => {
    const a = serializePlan(planDemo());
    const b = serializePlan(planDemo());
    expect(a).toBe(b);
    expect(a.endsWith('}\n')).toBe(true);
    expect(a).toContain('\n  "actions": [\n');
  });

  it('the plan id changes with the plan', () => {
    const up = planDemo();
    const create = planChanges({ desired: demo, observed: demoHosts, mode: 'create' });
    expect(up.planId).toMatch(/^[0-9a-f]{12}$/);
    expect(create.planId).not.toBe(up.planId);
  });

  it('matches the golden plan (UPDATE_GOLDEN=1 rewrites it)', () => {
    const text = serializePlan(planDemo());
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('parsePlan reads back what serializePlan wrote', () => {
    const plan = planDemo();
    const parsed = parsePlan(serializePlan(plan), 'plan.json');
    expect(parsed).toEqual(plan);
    expect(serializePlan(parsed)).toBe(serializePlan(plan));
  });

  it.each([
    { name: 'not JSON', text: 'plan: yes', message: /plan\.json is not JSON/ },
    { name: 'JSON but not a plan', text: '{"version": 1}', message: /plan\.json is not a Locker plan: planId/ },
    { name: 'an array', text: '[]', message: /is not a Locker plan/ },
  ])('parsePlan of garbage ($name) is PLAN_INVALID', ({ text, message }) => {
    const error = thrown(() => parsePlan(text, 'plan.json'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(message);
  });

  it('parsePlan names the bad field', () => {
    const raw = JSON.parse(serializePlan(planDemo()));
    raw.actions[1].kind = 'explode';
    const error = thrown(() => parsePlan(JSON.stringify(raw), 'plan.json'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/actions\[1\]\.kind/);
  });

  it('parsePlan refuses a plan edited after it was made', () => {
    const raw = JSON.parse(serializePlan(planDemo()));
    raw.actions[0].detail = 'something else';
    const error = thrown(() => parsePlan(JSON.stringify(raw), 'plan.json'));
    expect(error.code).toBe('PLAN_INVALID');
    expect(error.message).toMatch(/changed after it was planned/);
  });
});

describe('digestObserved', () => {
  const web = container('web', { ports: ['8080:80'] });
  const running = host('local', [observedOf(web)], forwardsOf(web));

  it('ignores addresses (DHCP) and the order the agent listed things in', () => {
    const renewed = host('local', [{ ...observedOf(web), ipv4: ['10.0.3.99'] }], forwardsOf(web));
    const other = container('other');
    const a = host('local', [observedOf(web), observedOf(other)], forwardsOf(web));
    const b = { ...a, containers: [...a.containers].reverse() };
    expect(digestObserved(renewed)).toBe(digestObserved(running));
    expect(digestObserved(a)).toBe(digestObserved(b));
    expect(digestObserved(running)).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    { name: 'state', changed: host('local', [observedOf(web, 'STOPPED')], forwardsOf(web)) },
    { name: 'forwards', changed: host('local', [observedOf(web)], []) },
    { name: 'managed block', changed: host('local', [{ ...observedOf(web), managed: undefined }], forwardsOf(web)) },
    { name: 'origin', changed: host('local', [{ ...observedOf(web), origin: 'demo_base' }], forwardsOf(web)) },
  ])('changes with $name', ({ changed }) => {
    expect(digestObserved(changed)).not.toBe(digestObserved(running));
  });
});

describe('renderPlan and summarizePlan', () => {
  it('groups by container with symbol, kind, detail, location and reason', () => {
    const text = renderPlan(planDemo());
    const plan = planDemo();
    expect(text.startsWith(`Locker plan ${plan.planId} for project demo (mode up):\n\n`)).toBe(true);
    expect(text).toContain('  demo_db on local\n');
    expect(text).toMatch(/\n {4}\+ create {19}template busybox {24} {2}locker\.yml:2:3 {2}\(missing\)\n/);
    expect(text).toMatch(/\n {4}- unforward-ports +remove 9000\/udp +\(not-in-spec\)\n/);
    expect(text).toMatch(/\nPlan: 14 to add, 0 to change, 1 to destroy; 3 to start, 0 to stop\.\n$/);
  });

  it('counts by symbol', () => {
    const web = container('web', { ports: ['8080:80'] });
    const plan = planChanges({ desired: desired(web), observed: convergedLocal([web], { web: 'STOPPED' }), mode: 'up' });
    expect(summarizePlan(plan)).toEqual({ add: 0, change: 1, destroy: 0, start: 1, stop: 0 });
    expect(summarizePlan(planDemo())).toEqual({ add: 14, change: 0, destroy: 1, start: 3, stop: 0 });
  });

  it('says so when nothing would change', () => {
    const web = container('web');
    const plan = planChanges({ desired: desired(web), observed: convergedLocal([web]), mode: 'up' });
    expect(renderPlan(plan)).toBe('No changes. Hosts match locker.yml.\n');
  });
});

function action(id: string, dependsOn: string[] = []): PlannedAction {
  const [host, container, kind] = id.split('/') as [string, string, PlannedAction['kind']];
  return makeAction({ kind } as PlannedAction['params'], { id, host, container, symbol: '~', reason: 'drifted', dependsOn });
}

describe('orderActions', () => {
  it('orders by dependencies, then host, container and input position', () => {
    const input = [
      action('local/web/start', ['local/db/start']),
      action('b/x/stop'),
      action('local/db/write-mounts'),
      action('local/db/start', ['local/db/write-mounts']),
      action('local/web/forward-ports', ['local/web/start']),
    ];
    expect(orderActions(input).map((a) => a.id)).toEqual([
      'b/x/stop',
      'local/db/write-mounts',
      'local/db/start',
      'local/web/start',
      'local/web/forward-ports',
    ]);
  });

  it('names the cycle', () => {
    const error = thrown(() =>
      orderActions([
        action('local/a/start', ['local/c/start']),
        action('local/b/start', ['local/a/start']),
        action('local/c/start', ['local/b/start']),
        action('local/d/start'),
      ]),
    );
    expect(error.code).toBe('PLAN_CYCLE');
    expect(error.message).toContain('local/a/start -> local/c/start -> local/b/start -> local/a/start');
  });

  it('refuses a dependency on an action that is not in the plan', () => {
    const error = thrown(() => orderActions([action('local/a/start', ['local/zz/start'])]));
    expect(error.code).toBe('PLAN_INVALID');
  });
});
