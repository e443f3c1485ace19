// Autostart: which containers the host's boot starts, and in which order (after what they depend on).

import { describe, expect, it } from 'vitest';
import type { ActionParams, ActionReason, ObservedHost } from '../../plans/index.js';
import type { ContainerSpec, DesiredState } from '../../src/spec/types.js';
import { container, desired, host, observedOf, world } from './plan-fixtures.js';
import { indexOf, plan } from './plan-network-fixtures.js';

describe('autostart: the boot start order follows depends_on', () => {
  const x = container('x', { line: 1, autostart: true, dependsOn: ['y'] });
  const y = container('y', { line: 20, autostart: true, dependsOn: ['z'] });
  const z = container('z', { line: 40, autostart: true });

  /** Converged, with the given recorded orders (undefined: the block does not autostart it). */
  function withOrders(specs: ContainerSpec[], orders: Record<string, number | undefined>): Map<string, ObservedHost> {
    return world(
      host(
        'local',
        specs.map((s) => {
          const o = observedOf(s);
          const { autostartOrder: _old, ...managed } = o.managed!;
          const order = orders[s.name];
          o.managed = order === undefined ? managed : { ...managed, autostartOrder: order };
          return o;
        }),
      ),
    );
  }

  interface AutostartCase {
    name: string;
    spec: DesiredState;
    hosts: Map<string, ObservedHost>;
    /** container -> set-autostart step; containers left out have none. */
    steps: Record<string, { symbol: string; reason: ActionReason; detail: string; autostart: boolean; order: number }>;
  }

  const cases: AutostartCase[] = [
    {
      name: 'new chain x -> y -> z: z first (0), then y (1), then x (2)',
      spec: desired(x, y, z),
      hosts: world(host('local')),
      steps: {
        x: { symbol: '+', reason: 'missing', detail: 'start at host boot (order 2)', autostart: true, order: 2 },
        y: { symbol: '+', reason: 'missing', detail: 'start at host boot (order 1)', autostart: true, order: 1 },
        z: { symbol: '+', reason: 'missing', detail: 'start at host boot (order 0)', autostart: true, order: 0 },
      },
    },
    {
      name: 'a new container without autostart gets no step',
      spec: desired(container('w')),
      hosts: world(host('local')),
      steps: {},
    },
    {
      name: 'converged orders: nothing to do',
      spec: desired(x, y, z),
      hosts: withOrders([x, y, z], { x: 2, y: 1, z: 0 }),
      steps: {},
    },
    {
      name: 'a dependency added deeper down moves the order',
      spec: desired(x, y, z),
      hosts: withOrders([x, y, z], { x: 1, y: 1, z: 0 }),
      steps: { x: { symbol: '~', reason: 'drifted', detail: 'start at host boot (order 2)', autostart: true, order: 2 } },
    },
    {
      name: 'autostart turned on for an existing container',
      spec: desired(z),
      hosts: withOrders([z], {}),
      steps: { z: { symbol: '~', reason: 'drifted', detail: 'start at host boot (order 0)', autostart: true, order: 0 } },
    },
    {
      name: 'autostart turned off: the boot settings go',
      spec: desired(container('z', { line: 40 })),
      hosts: withOrders([z], { z: 0 }),
      steps: { z: { symbol: '~', reason: 'drifted', detail: 'do not start at host boot', autostart: false, order: 0 } },
    },
    {
      name: 'dependencies count even when they do not start at boot themselves',
      spec: desired(container('x', { line: 1, autostart: true, dependsOn: ['y'] }), container('y', { line: 20 })),
      hosts: world(host('local')),
      steps: { x: { symbol: '+', reason: 'missing', detail: 'start at host boot (order 1)', autostart: true, order: 1 } },
    },
    {
      name: 'the longest path counts: a diamond',
      spec: desired(
        container('top', { line: 1, autostart: true, dependsOn: ['left', 'right'] }),
        container('left', { line: 20, dependsOn: ['bottom'] }),
        container('right', { line: 40 }),
        container('bottom', { line: 60 }),
      ),
      hosts: world(host('local')),
      steps: { top: { symbol: '+', reason: 'missing', detail: 'start at host boot (order 2)', autostart: true, order: 2 } },
    },
    {
      name: "a clone still carrying its origin's block gets boot settings of its own",
      spec: desired(container('base', { line: 1 }), container('copy', { line: 20, clone: 'base', autostart: true, dependsOn: ['base'] })),
      hosts: world(
        host('local', [
          observedOf(container('base', { line: 1 })),
          { ...observedOf(container('copy', { line: 20, clone: 'base' })), managed: { project: 'demo', container: 'base', mounts: [], autostartOrder: 1 } },
        ]),
      ),
      steps: { copy: { symbol: '~', reason: 'drifted', detail: 'start at host boot (order 1)', autostart: true, order: 1 } },
    },
  ];

  it.each(cases)('$name', (tc) => {
    const p = plan(tc.spec, tc.hosts);
    const steps = Object.fromEntries(
      p.actions
        .filter((s) => s.kind === 'set-autostart')
        .map((s) => {
          const params = s.params as Extract<ActionParams, { kind: 'set-autostart' }>;
          return [s.container, { symbol: s.symbol, reason: s.reason, detail: s.detail, autostart: params.autostart, order: params.order }];
        }),
    );
    expect(steps).toEqual(tc.steps);
  });

  it('a new autostart container is set up before its first start', () => {
    const p = plan(desired(x, y, z), world(host('local')));
    for (const n of ['x', 'y', 'z']) expect(indexOf(p, `local/${n}/set-autostart`)).toBeLessThan(indexOf(p, `local/${n}/start`));
  });
});
