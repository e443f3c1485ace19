import { describe, expect, it } from 'vitest';
import { planChanges, type ActionReason, type ObservedHost, type Plan, type PlanMode } from '../../plans/index.js';
import type { DesiredState } from '../../src/spec/types.js';
import { container, convergedLocal, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';

interface PlanCase {
  name: string;
  spec: DesiredState;
  hosts: Map<string, ObservedHost>;
  mode: PlanMode;
  targets?: string[];
  move?: boolean;
  /** Every action of the plan: id -> reason. */
  actions: Record<string, ActionReason>;
  /** Pairs [a, b]: a comes before b. */
  order?: Array<[string, string]>;
  details?: Record<string, string>;
}

function indexOf(plan: Plan, id: string): number {
  const i = plan.actions.findIndex((a) => a.id === id);
  expect(i, `${id} is in the plan`).toBeGreaterThanOrEqual(0);
  return i;
}

/** Invariants every plan keeps, whatever the case. */
function checkShape(plan: Plan): void {
  plan.actions.forEach((action, i) => {
    expect(action.id).toBe(`${action.host}/${action.container}/${action.kind}`);
    expect(action.params.kind).toBe(action.kind);
    for (const dep of action.dependsOn) expect(indexOf(plan, dep), `${action.id} after ${dep}`).toBeLessThan(i);
  });
}

const db = container('db', { line: 1, volumes: ['/srv/demo/db:/var/lib/db'], fqdn: 'db.demo.test', ports: ['5432:5432'] });
const web = container('web', { line: 20, ports: ['8080:80'] });
const base = container('base', { line: 40, ports: ['8000:8000'] });
const snap = container('snap', { line: 60, clone: 'base', snapshot: true, ports: ['8081:80'] });
const copy = container('copy', { line: 80, clone: 'base' });
const app = container('app', { line: 100, dependsOn: ['store'] });
const store = container('store', { line: 120 });

const webNewMounts = container('web', { line: 20, ports: ['8080:80'], volumes: ['/srv/demo/new:/data'] });
const webOldMounts = container('web', { line: 20, ports: ['8080:80'], volumes: ['/srv/demo/old:/data'] });
const webMorePorts = container('web', { line: 20, ports: ['8080:80', '9000:9000/udp'] });
const webOldPorts = container('web', { line: 20, ports: ['8080:80', '7000:7000'] });

const cases: PlanCase[] = [
  {
    name: 'empty host: full creation chain in order',
    spec: desired(db),
    hosts: world(host('local')),
    mode: 'up',
    actions: {
      'local/db/create': 'missing',
      'local/db/copy-out': 'missing',
      'local/db/write-mounts': 'missing',
      'local/db/install-hostname-hook': 'missing',
      'local/db/set-network': 'missing',
      'local/db/start': 'missing',
      'local/db/forward-ports': 'missing',
    },
    order: [
      ['local/db/create', 'local/db/copy-out'],
      ['local/db/copy-out', 'local/db/write-mounts'],
      ['local/db/write-mounts', 'local/db/install-hostname-hook'],
      ['local/db/install-hostname-hook', 'local/db/set-network'],
      ['local/db/set-network', 'local/db/start'],
      ['local/db/start', 'local/db/forward-ports'],
    ],
    details: {
      'local/db/set-network': 'address 10.0.3.2 and fd42::51:faff:fee6:ef31 on lxcbr0 (MAC 02:51:fa:e6:ef:31, reserved in its DHCP server)',
      'local/db/forward-ports': '5432/tcp to 10.0.3.2',
    },
  },
  {
    name: 'move: false leaves copy-out out',
    spec: desired(db),
    hosts: world(host('local')),
    mode: 'up',
    move: false,
    actions: {
      'local/db/create': 'missing',
      'local/db/write-mounts': 'missing',
      'local/db/install-hostname-hook': 'missing',
      'local/db/set-network': 'missing',
      'local/db/start': 'missing',
      'local/db/forward-ports': 'missing',
    },
  },
  {
    name: 'clone of a stopped origin: the origin starts only after the copy',
    spec: desired(base, copy),
    hosts: convergedLocal([base], { base: 'STOPPED' }),
    mode: 'up',
    actions: {
      'local/base/start': 'drifted',
      'local/base/forward-ports': 'drifted',
      'local/copy/clone': 'missing',
      'local/copy/write-mounts': 'missing',
      'local/copy/install-hostname-hook': 'missing',
      'local/copy/set-network': 'missing',
      'local/copy/start': 'missing',
    },
    order: [['local/copy/clone', 'local/base/start']],
    details: { 'local/copy/clone': 'copy of demo_base', 'local/base/start': 'container is STOPPED' },
  },
  {
    name: 'snapshot clone of a RUNNING origin: stop, clone, start origin, forward origin',
    spec: desired(base, snap),
    hosts: convergedLocal([base]),
    mode: 'up',
    actions: {
      'local/base/stop': 'origin-of-snapshot',
      'local/base/start': 'origin-of-snapshot',
      'local/base/forward-ports': 'origin-of-snapshot',
      'local/snap/clone': 'missing',
      'local/snap/write-mounts': 'missing',
      'local/snap/install-hostname-hook': 'missing',
      'local/snap/set-network': 'missing',
      'local/snap/start': 'missing',
      'local/snap/forward-ports': 'missing',
    },
    order: [
      ['local/base/stop', 'local/snap/clone'],
      ['local/snap/clone', 'local/base/start'],
      ['local/base/start', 'local/base/forward-ports'],
      ['local/snap/start', 'local/snap/forward-ports'],
    ],
  },
  {
    name: 'two clones of a running origin share one stop and one restart of it',
    spec: desired(base, snap, copy),
    hosts: convergedLocal([base]),
    mode: 'up',
    actions: {
      'local/base/stop': 'origin-of-snapshot',
      'local/base/start': 'origin-of-snapshot',
      'local/base/forward-ports': 'origin-of-snapshot',
      'local/copy/clone': 'missing',
      'local/copy/write-mounts': 'missing',
      'local/copy/install-hostname-hook': 'missing',
      'local/copy/set-network': 'missing',
      'local/copy/start': 'missing',
      'local/snap/clone': 'missing',
      'local/snap/write-mounts': 'missing',
      'local/snap/install-hostname-hook': 'missing',
      'local/snap/set-network': 'missing',
      'local/snap/start': 'missing',
      'local/snap/forward-ports': 'missing',
    },
    order: [
      ['local/base/stop', 'local/copy/clone'],
      ['local/base/stop', 'local/snap/clone'],
      ['local/copy/clone', 'local/base/start'],
      ['local/snap/clone', 'local/base/start'],
    ],
  },
  {
    name: 'new origin and new clone: the clone waits for a complete origin, the origin starts after',
    spec: desired(container('base', { line: 40, fqdn: 'base.demo.test' }), copy),
    hosts: world(host('local')),
    mode: 'up',
    actions: {
      'local/base/create': 'missing',
      'local/base/write-mounts': 'missing',
      'local/base/install-hostname-hook': 'missing',
      'local/base/set-network': 'missing',
      'local/base/start': 'missing',
      'local/copy/clone': 'missing',
      'local/copy/write-mounts': 'missing',
      'local/copy/install-hostname-hook': 'missing',
      'local/copy/set-network': 'missing',
      'local/copy/start': 'missing',
    },
    order: [
      ['local/base/write-mounts', 'local/copy/clone'],
      ['local/base/install-hostname-hook', 'local/copy/clone'],
      ['local/copy/clone', 'local/base/start'],
    ],
  },
  {
    name: 'depends_on orders starts of new containers against name order',
    spec: desired(app, store),
    hosts: world(host('local')),
    mode: 'up',
    actions: {
      'local/app/create': 'missing',
      'local/app/write-mounts': 'missing',
      'local/app/set-network': 'missing',
      'local/app/start': 'missing',
      'local/store/create': 'missing',
      'local/store/write-mounts': 'missing',
      'local/store/set-network': 'missing',
      'local/store/start': 'missing',
    },
    order: [
      ['local/store/start', 'local/app/start'],
      ['local/app/create', 'local/store/create'],
    ],
  },
  {
    name: 'depends_on orders starts of stopped containers',
    spec: desired(app, store),
    hosts: convergedLocal([app, store], { app: 'STOPPED', store: 'STOPPED' }),
    mode: 'up',
    actions: { 'local/app/start': 'drifted', 'local/store/start': 'drifted' },
    order: [['local/store/start', 'local/app/start']],
  },
  {
    name: 'stopped by hand: start, then forward again',
    spec: desired(web),
    hosts: convergedLocal([web], { web: 'STOPPED' }),
    mode: 'up',
    actions: { 'local/web/start': 'drifted', 'local/web/forward-ports': 'drifted' },
    order: [['local/web/start', 'local/web/forward-ports']],
    details: { 'local/web/start': 'container is STOPPED' },
  },
  {
    name: 'forward rule deleted by hand: forward-ports only',
    spec: desired(web),
    hosts: world(host('local', [observedOf(web)])),
    mode: 'up',
    actions: { 'local/web/forward-ports': 'drifted' },
    details: { 'local/web/forward-ports': 'port 8080:80/tcp is not forwarded' },
  },
  {
    name: 'changed port list: forward-ports names what is missing and what is extra',
    spec: desired(webMorePorts),
    hosts: world(host('local', [observedOf(webOldPorts)], forwardsOf(webOldPorts))),
    mode: 'up',
    actions: { 'local/web/forward-ports': 'drifted' },
    details: {
      'local/web/forward-ports': 'port 9000/udp is not forwarded, port 7000/tcp is forwarded but not in the spec',
    },
  },
  {
    name: 'forward pointing at an old address is redone',
    spec: desired(web),
    hosts: world(host('local', [observedOf(web)], forwardsOf(web).map((f) => ({ ...f, targetIp: '10.0.3.250' })))),
    mode: 'up',
    actions: { 'local/web/forward-ports': 'drifted' },
    details: { 'local/web/forward-ports': 'port 8080:80/tcp points at 10.0.3.250, not at the container' },
  },
  {
    name: 'incomplete forward is redone',
    spec: desired(web),
    hosts: world(host('local', [observedOf(web)], forwardsOf(web).map((f) => ({ ...f, complete: false })))),
    mode: 'up',
    actions: { 'local/web/forward-ports': 'drifted' },
  },
  {
    name: 'mount drift on a running container: stop, write-mounts, start, forward',
    spec: desired(webNewMounts),
    hosts: world(host('local', [observedOf(webOldMounts)], forwardsOf(webOldMounts))),
    mode: 'up',
    actions: {
      'local/web/stop': 'drifted',
      'local/web/write-mounts': 'drifted',
      'local/web/start': 'drifted',
      'local/web/forward-ports': 'drifted',
    },
    order: [
      ['local/web/stop', 'local/web/write-mounts'],
      ['local/web/write-mounts', 'local/web/start'],
      ['local/web/start', 'local/web/forward-ports'],
    ],
    details: {
      'local/web/stop': 'restart to apply mounts',
      'local/web/write-mounts': 'mounts differ: +/srv/demo/new:/data -/srv/demo/old:/data',
    },
  },
  {
    name: 'hostname changed on a stopped container: hook, then start',
    spec: desired(db),
    hosts: world(
      host('local', [{ ...observedOf(db, 'STOPPED'), managed: { ...observedOf(db).managed!, fqdn: 'old.demo.test' } }], forwardsOf(db)),
    ),
    mode: 'up',
    actions: {
      'local/db/install-hostname-hook': 'drifted',
      'local/db/start': 'drifted',
      'local/db/forward-ports': 'drifted',
    },
    order: [['local/db/install-hostname-hook', 'local/db/start']],
    details: { 'local/db/install-hostname-hook': 'hostname old.demo.test -> db.demo.test' },
  },
  {
    name: 'existing clone still carrying its origin block is retagged and its inherited hook dropped',
    spec: desired(container('base', { line: 40, fqdn: 'base.demo.test' }), copy),
    hosts: world(
      host('local', [
        observedOf(container('base', { line: 40, fqdn: 'base.demo.test' })),
        { ...observedOf(copy), managed: { project: 'demo', container: 'base', mounts: [], fqdn: 'base.demo.test' } },
      ]),
    ),
    mode: 'up',
    actions: {
      'local/copy/stop': 'drifted',
      'local/copy/write-mounts': 'drifted',
      'local/copy/install-hostname-hook': 'drifted',
      'local/copy/set-network': 'drifted',
      'local/copy/start': 'drifted',
    },
    details: {
      'local/copy/write-mounts': 'config block was written for demo/base',
      // The inherited block is base's: its network record is not this container's to keep.
      'local/copy/stop': 'restart to apply mounts and hostname and address',
    },
  },
  {
    name: 'converged hosts: empty plan',
    spec: desired(db, web, base, snap, app, store),
    hosts: convergedLocal([db, web, base, snap, app, store]),
    mode: 'up',
    actions: {},
  },
  {
    name: 'not in spec: unforward, stop, destroy; dangling forwards unforwarded; others left alone',
    spec: desired(web),
    hosts: world(
      host(
        'local',
        [
          observedOf(web),
          { ...observedOf(container('old')), name: 'demo_old' },
          { name: 'other_thing', state: 'RUNNING', ipv4: [], managed: { project: 'other', container: 'thing', mounts: [] } },
          { name: 'handmade', state: 'RUNNING', ipv4: [] },
        ],
        [
          ...forwardsOf(web),
          ...forwardsOf(container('old', { ports: ['9000:9000'] })),
          ...forwardsOf(container('gone', { ports: ['9100:9100'] })),
        ],
      ),
    ),
    mode: 'up',
    actions: {
      'local/old/unforward-ports': 'not-in-spec',
      'local/old/stop': 'not-in-spec',
      'local/old/destroy': 'not-in-spec',
      'local/gone/unforward-ports': 'not-in-spec',
    },
    order: [
      ['local/old/unforward-ports', 'local/old/stop'],
      ['local/old/stop', 'local/old/destroy'],
    ],
  },
  {
    name: 'targets: up web brings its origin and dependencies, nothing else, no cleanup',
    spec: desired(
      container('base', { line: 40 }),
      container('web', { line: 20, clone: 'base', dependsOn: ['store'] }),
      store,
      container('cache', { line: 140 }),
    ),
    hosts: world(host('local', [{ ...observedOf(container('old')), name: 'demo_old' }])),
    mode: 'up',
    targets: ['web'],
    actions: {
      'local/base/create': 'missing',
      'local/base/write-mounts': 'missing',
      'local/base/set-network': 'missing',
      'local/base/start': 'missing',
      'local/store/create': 'missing',
      'local/store/write-mounts': 'missing',
      'local/store/set-network': 'missing',
      'local/store/start': 'missing',
      'local/web/clone': 'missing',
      'local/web/write-mounts': 'missing',
      'local/web/install-hostname-hook': 'missing',
      'local/web/set-network': 'missing',
      'local/web/start': 'missing',
    },
    order: [
      ['local/store/start', 'local/web/start'],
      ['local/base/write-mounts', 'local/web/clone'],
    ],
  },
  {
    name: 'create: makes and configures, never starts, forwards or destroys',
    spec: desired(db, webNewMounts),
    hosts: world(host('local', [observedOf(webOldMounts), { ...observedOf(container('old')), name: 'demo_old' }])),
    mode: 'create',
    actions: {
      'local/db/create': 'missing',
      'local/db/copy-out': 'missing',
      'local/db/write-mounts': 'missing',
      'local/db/install-hostname-hook': 'missing',
      'local/db/set-network': 'missing',
      'local/web/write-mounts': 'drifted',
    },
    details: { 'local/web/write-mounts': 'mounts differ: +/srv/demo/new:/data -/srv/demo/old:/data (applies at next start)' },
  },
  {
    name: 'create: a running origin is stopped for the clone and left for up to start',
    spec: desired(base, snap),
    hosts: convergedLocal([base]),
    mode: 'create',
    actions: {
      'local/base/stop': 'origin-of-snapshot',
      'local/snap/clone': 'missing',
      'local/snap/write-mounts': 'missing',
      'local/snap/install-hostname-hook': 'missing',
      'local/snap/set-network': 'missing',
    },
    order: [['local/base/stop', 'local/snap/clone']],
  },
  {
    name: 'start: starts what is stopped, forwards what drifted, ignores config drift',
    spec: desired(web, container('db', { line: 1, ports: ['5432:5432'], volumes: ['/srv/demo/db:/x'] })),
    hosts: world(
      host(
        'local',
        [observedOf(container('db', { line: 1, ports: ['5432:5432'] }), 'STOPPED'), observedOf(web)],
        forwardsOf(container('db', { line: 1, ports: ['5432:5432'] })),
      ),
    ),
    mode: 'start',
    actions: {
      'local/db/start': 'requested',
      'local/db/forward-ports': 'requested',
      'local/web/forward-ports': 'drifted',
    },
    order: [['local/db/start', 'local/db/forward-ports']],
  },
  {
    name: 'ports: forwards only running containers',
    spec: desired(web, db),
    hosts: world(host('local', [observedOf(web), observedOf(db, 'STOPPED')])),
    mode: 'ports',
    actions: { 'local/web/forward-ports': 'drifted' },
  },
];

describe('planChanges: converge modes', () => {
  it.each(cases)('$name', (c) => {
    const plan = planChanges({ desired: c.spec, observed: c.hosts, mode: c.mode, targets: c.targets, move: c.move });
    checkShape(plan);
    expect(Object.fromEntries(plan.actions.map((a) => [a.id, a.reason]))).toEqual(c.actions);
    for (const [a, b] of c.order ?? []) expect(indexOf(plan, a), `${a} before ${b}`).toBeLessThan(indexOf(plan, b));
    for (const [id, detail] of Object.entries(c.details ?? {})) {
      expect(plan.actions.find((a) => a.id === id)?.detail).toBe(detail);
    }
  });

  it('params are self-contained: a new container carries template, mounts, fqdn and ports', () => {
    const plan = planChanges({ desired: desired(db), observed: world(host('local')), mode: 'up' });
    const params = Object.fromEntries(plan.actions.map((a) => [a.kind, a.params]));
    expect(params['create']).toEqual({ kind: 'create', template: 'busybox', args: {} });
    expect(params['write-mounts']).toEqual({
      kind: 'write-mounts',
      mounts: [{ hostPath: '/srv/demo/db', containerPath: '/var/lib/db', readOnly: false }],
    });
    expect(params['install-hostname-hook']).toEqual({ kind: 'install-hostname-hook', fqdn: 'db.demo.test' });
    expect(params['set-network']).toEqual({
      kind: 'set-network',
      bridge: 'lxcbr0',
      mac: '02:51:fa:e6:ef:31',
      ipv4: '10.0.3.2',
      prefix: 24,
      gateway: '10.0.3.1',
      ipv6: { address: 'fd42::51:faff:fee6:ef31', prefix: 64, gateway: 'fd42::1' },
      reserve: true,
    });
    expect(params['forward-ports']).toEqual({
      kind: 'forward-ports',
      ports: [{ protocol: 'tcp', hostPort: 5432, containerPort: 5432 }],
      targetIp: '10.0.3.2',
    });
    expect(plan.actions.find((a) => a.kind === 'forward-ports')?.specRef).toEqual(db.ports[0]?.ref);
    expect(plan.actions.find((a) => a.kind === 'write-mounts')?.specRef).toEqual(db.volumes[0]?.ref);
  });

  it('a clone without fqdn gets a hook install that clears the inherited one', () => {
    const plan = planChanges({ desired: desired(base, copy), observed: convergedLocal([base], { base: 'STOPPED' }), mode: 'up' });
    expect(plan.actions.find((a) => a.id === 'local/copy/install-hostname-hook')?.params).toEqual({ kind: 'install-hostname-hook' });
  });

  it('the plan records digests of every host it read, and the spec it came from', () => {
    const spec = desired(web, container('far', { host: 'b' }));
    const plan = planChanges({ desired: spec, observed: world(host('local'), host('b'), host('c')), mode: 'up' });
    expect(Object.keys(plan.observedDigests)).toEqual(['b', 'c', 'local']);
    expect(plan.specDigest).toBe(spec.digest);
    expect(plan.specFile).toBe('locker.yml');
    expect(plan.actions.filter((a) => a.host === 'b').map((a) => a.id)).toEqual(['b/far/create', 'b/far/write-mounts', 'b/far/set-network', 'b/far/start']);
  });
});
