// Where forward-ports points: the planned addresses in up and create, the addresses the container has
// in start and ports (which never change them).

import { describe, expect, it } from 'vitest';
import type { ActionParams, ActionReason, ObservedHost, PlanMode } from '../../plans/index.js';
import type { DesiredState } from '../../src/spec/types.js';
import { addressOf, container, convergedLocal, desired, forwardsOf, host, macOf, observedOf, world } from './plan-fixtures.js';
import { eui64On, paramsOf, plan, unaddressed } from './plan-network-fixtures.js';

describe('forward-ports: where forwards point', () => {
  const web = container('web', { line: 1, ports: ['8080:80'] });
  const web6 = container('web', { line: 1, ports: ['8080:80', '[::]:8443:443'] });
  const webFixed = container('web', { line: 1, ports: ['8080:80'], ipv4: '10.0.3.60' });
  const here = addressOf(web);

  interface TargetCase {
    name: string;
    spec: DesiredState;
    hosts: Map<string, ObservedHost>;
    mode: PlanMode;
    /** Undefined: no forward-ports step. */
    targets?: { targetIp?: string; targetIp6?: string };
    reason?: ActionReason;
  }

  const cases: TargetCase[] = [
    { name: 'a new container: its planned address', spec: desired(web), hosts: world(host('local')), mode: 'up', targets: { targetIp: '10.0.3.2' }, reason: 'missing' },
    {
      name: 'a new container with an IPv6 port: both planned addresses',
      spec: desired(web6),
      hosts: world(host('local')),
      mode: 'up',
      targets: { targetIp: '10.0.3.2', targetIp6: eui64On('fd42::', paramsOf(plan(desired(web6), world(host('local'))), 'local/web/set-network', 'set-network')!.mac) },
      reason: 'missing',
    },
    {
      name: 'a rule deleted by hand: the recorded address',
      spec: desired(web6),
      hosts: world(host('local', [observedOf(web6)], [])),
      mode: 'up',
      targets: { targetIp: here, targetIp6: eui64On('fd42::', macOf(web6)) },
      reason: 'drifted',
    },
    {
      name: 'a rule at the live address, not the recorded one: redone to the recorded one',
      spec: desired(web),
      hosts: world(host('local', [{ ...observedOf(web), ipv4: [here, '10.0.3.99'] }], forwardsOf(web).map((f) => ({ ...f, targetIp: '10.0.3.99' })))),
      mode: 'up',
      targets: { targetIp: here },
      reason: 'drifted',
    },
    { name: 'converged: no step', spec: desired(web6), hosts: convergedLocal([web6]), mode: 'up' },
    {
      name: 'up with a new fixed address: to the new address',
      spec: desired(webFixed),
      hosts: world(host('local', [observedOf(web)], forwardsOf(web))),
      mode: 'up',
      targets: { targetIp: '10.0.3.60' },
      reason: 'drifted',
    },
    {
      name: 'ports with a new fixed address: the rules stay with the address the container has',
      spec: desired(webFixed),
      hosts: world(host('local', [observedOf(web)], forwardsOf(web))),
      mode: 'ports',
    },
    {
      name: 'ports with a new fixed address and a deleted rule: redone to the address the container has',
      spec: desired(webFixed),
      hosts: world(host('local', [observedOf(web)], [])),
      mode: 'ports',
      // No IPv6 port, so no IPv6 target (as in up).
      targets: { targetIp: here },
      reason: 'drifted',
    },
    {
      name: 'start with a new fixed address: forwarded again to the address it has',
      spec: desired(webFixed),
      hosts: world(host('local', [observedOf(web, 'STOPPED')], forwardsOf(web))),
      mode: 'start',
      targets: { targetIp: here },
      reason: 'requested',
    },
    // Regression: `start` and `ports` never set an address, so for a container Locker has not addressed
    // yet they must leave the target to the agent (the address DHCP gives it), as ActionParams documents.
    {
      name: 'start of a container Locker never addressed: no planned target, the agent waits for DHCP',
      spec: desired(web),
      hosts: world(host('local', [unaddressed(web, 'STOPPED')], forwardsOf(web).map((f) => ({ ...f, targetIp: '10.0.3.77' })))),
      mode: 'start',
      targets: {},
      reason: 'requested',
    },
  ];

  it.each(cases)('$name', (tc) => {
    const p = plan(tc.spec, tc.hosts, tc.mode);
    const step = p.actions.find((x) => x.id === 'local/web/forward-ports');
    if (tc.targets === undefined) {
      expect(step).toBeUndefined();
      return;
    }
    const { kind: _kind, ports: _ports, ...targets } = step!.params as Extract<ActionParams, { kind: 'forward-ports' }>;
    expect(targets).toEqual(tc.targets);
    expect(step?.reason).toBe(tc.reason);
  });

  it('the step names the address in its detail for a new container', () => {
    const p = plan(desired(web), world(host('local')));
    expect(p.actions.find((x) => x.id === 'local/web/forward-ports')?.detail).toBe('8080:80/tcp to 10.0.3.2');
  });
});
