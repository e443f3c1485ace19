// Which address each container gets: the lowest free one of its bridge, around the bridge's own and
// every address somebody holds; kept once recorded; fixed by the spec; one pool per network stack.

import { describe, expect, it } from 'vitest';
import { serializePlan, type ObservedBridge, type ObservedHost, type Plan } from '../../plans/index.js';
import type { DesiredState } from '../../src/spec/types.js';
import { BRIDGE, container, desired, host, world } from './plan-fixtures.js';
import { claim, config, eui64On, lease, live, paramsOf, plan, plannedAddresses, recorded, withHost } from './plan-network-fixtures.js';

const a = container('a', { line: 1 });
const b = container('b', { line: 20 });
const c = container('c', { line: 40 });

describe('address assignment', () => {
  interface AssignCase {
    name: string;
    spec: DesiredState;
    hosts: Map<string, ObservedHost>;
    /** Exactly the set-network steps of the plan: `host/container` -> IPv4. */
    planned: Record<string, string>;
    targets?: string[];
  }

  const br1: ObservedBridge = { name: 'br1', ipv4: { address: '10.0.9.1', prefix: 24 }, dhcp: 'none' };

  const cases: AssignCase[] = [
    {
      name: 'lowest free first, skipping the bridge its own address',
      spec: desired(a, b, c),
      hosts: world(host('local')),
      planned: { 'local/a': '10.0.3.2', 'local/b': '10.0.3.3', 'local/c': '10.0.3.4' },
    },
    {
      name: 'a bridge that is not .1: .1 is free, the bridge address in the middle is skipped',
      spec: desired(a, b),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv4: { address: '10.0.3.2', prefix: 24 } }] })),
      planned: { 'local/a': '10.0.3.1', 'local/b': '10.0.3.3' },
    },
    {
      name: 'addresses held by others are skipped: a lease, another project claim, a static config, a live address',
      spec: desired(a, b),
      hosts: world(
        withHost(host('local'), {
          addresses: [
            lease('10.0.3.2', '00:16:3e:00:00:01'),
            claim('10.0.3.3', 'shop_front', '02:aa:aa:aa:aa:aa'),
            config('10.0.3.4', 'handmade', '00:16:3e:00:00:04'),
            live('10.0.3.5', 'other_box'),
            lease('10.0.4.2', '00:16:3e:00:00:09'),
          ],
        }),
      ),
      planned: { 'local/a': '10.0.3.6', 'local/b': '10.0.3.7' },
    },
    {
      name: 'a namesake in another lxcpath holds its own address, not ours',
      spec: desired(a),
      hosts: world(withHost(host('local'), { addresses: [claim('10.0.3.2', 'demo_a', '02:bb:bb:bb:bb:bb', '/srv/other-lxc')] })),
      planned: { 'local/a': '10.0.3.3' },
    },
    {
      name: 'a fixed address is honoured, and skipped by containers that sort before it',
      spec: desired(a, container('b', { line: 20, ipv4: '10.0.3.2' })),
      hosts: world(host('local')),
      planned: { 'local/a': '10.0.3.3', 'local/b': '10.0.3.2' },
    },
    {
      name: 'existing containers keep their recorded address; new ones go around it',
      spec: desired(a, b),
      hosts: world(host('local', [recorded(a, '10.0.3.2')])),
      planned: { 'local/b': '10.0.3.3' },
    },
    {
      name: 'a stopped existing container keeps its address too',
      spec: desired(a, b),
      hosts: world(host('local', [recorded(a, '10.0.3.3', 'STOPPED')])),
      planned: { 'local/b': '10.0.3.2' },
    },
    {
      name: 'a container reuses an address it holds itself: its claim from an interrupted run',
      spec: desired(a, b),
      hosts: world(withHost(host('local'), { addresses: [claim('10.0.3.40', 'demo_a', '02:12:34:56:78:9a')] })),
      planned: { 'local/a': '10.0.3.40', 'local/b': '10.0.3.2' },
    },
    {
      name: 'a /30 has exactly one address to give',
      spec: desired(a),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv4: { address: '10.0.3.1', prefix: 30 } }] })),
      planned: { 'local/a': '10.0.3.2' },
    },
    {
      name: 'two hosts in one network stack draw from one pool',
      spec: desired(container('a', { host: 'h1' }), container('b', { host: 'h2' }), container('c', { host: 'h1', line: 20 })),
      hosts: world(withHost(host('h1'), { netns: 'boot-1/net-1' }), withHost(host('h2'), { netns: 'boot-1/net-1' })),
      planned: { 'h1/a': '10.0.3.2', 'h1/c': '10.0.3.3', 'h2/b': '10.0.3.4' },
    },
    {
      name: 'two hosts in one network stack see each other held addresses',
      spec: desired(container('b', { host: 'h2' })),
      hosts: world(withHost(host('h1'), { netns: 'n', addresses: [lease('10.0.3.2', '00:16:3e:00:00:01')] }), withHost(host('h2'), { netns: 'n' })),
      planned: { 'h2/b': '10.0.3.3' },
    },
    {
      name: 'two hosts in one network stack never take an address one of them keeps',
      spec: desired(container('a', { host: 'h1' }), container('b', { host: 'h2' })),
      hosts: world(withHost(host('h1'), { netns: 'n' }), withHost(host('h2', [recorded(container('b', { host: 'h2' }), '10.0.3.2')]), { netns: 'n' })),
      planned: { 'h1/a': '10.0.3.3' },
    },
    {
      name: 'hosts in different network stacks may hand out the same address',
      spec: desired(container('a', { host: 'h1' }), container('b', { host: 'h2' })),
      hosts: world(host('h1'), host('h2')),
      planned: { 'h1/a': '10.0.3.2', 'h2/b': '10.0.3.2' },
    },
    {
      name: 'one network stack, two bridge names: one pool per bridge',
      spec: desired(container('a', { host: 'h1' }), container('b', { host: 'h2', bridge: 'br1' })),
      hosts: world(withHost(host('h1'), { netns: 'n' }), withHost(host('h2'), { netns: 'n', bridges: [BRIDGE, br1] })),
      planned: { 'h1/a': '10.0.3.2', 'h2/b': '10.0.9.2' },
    },
    {
      name: 'the command targets do not move addresses: up b gives b what up gives it',
      spec: desired(a, b),
      hosts: world(host('local')),
      targets: ['b'],
      planned: { 'local/b': '10.0.3.3' },
    },
  ];

  it.each(cases)('$name', (tc) => {
    const p = plan(tc.spec, tc.hosts, 'up', tc.targets);
    expect(plannedAddresses(p)).toEqual(tc.planned);
  });

  it('a new container gets a locally administered MAC, the bridge gateway, and the EUI-64 IPv6 of its MAC', () => {
    const params = paramsOf(plan(desired(a), world(host('local'))), 'local/a/set-network', 'set-network')!;
    expect(params.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    expect(params).toEqual({
      kind: 'set-network',
      bridge: 'lxcbr0',
      mac: params.mac,
      ipv4: '10.0.3.2',
      prefix: 24,
      gateway: '10.0.3.1',
      ipv6: { address: eui64On('fd42::', params.mac), prefix: 64, gateway: 'fd42::1' },
      reserve: true,
    });
  });

  it('a bridge without IPv6 gives no IPv6 address, and one without reservations no DHCP reservation', () => {
    const bare: ObservedBridge = { name: 'lxcbr0', ipv4: { address: '10.0.3.1', prefix: 24 }, dhcp: 'none' };
    const params = paramsOf(plan(desired(a), world(withHost(host('local'), { bridges: [bare] }))), 'local/a/set-network', 'set-network')!;
    expect(params).not.toHaveProperty('ipv6');
    expect(params.reserve).toBe(false);
  });

  it('a bridge prefix longer than /64 gives no IPv6 address (no room for an EUI-64 id)', () => {
    const narrow: ObservedBridge = { ...BRIDGE, ipv6: { address: 'fd42::1', prefix: 80 } };
    const params = paramsOf(plan(desired(a), world(withHost(host('local'), { bridges: [narrow] }))), 'local/a/set-network', 'set-network')!;
    expect(params).not.toHaveProperty('ipv6');
  });

  it('MACs are stable per container and differ between containers and between network stacks', () => {
    const mac = (p: Plan, id: string) => paramsOf(p, id, 'set-network')!.mac;
    const one = plan(desired(a, b), world(host('local')));
    const again = plan(desired(a, b), world(host('local')));
    const elsewhere = plan(desired(a, b), world(withHost(host('local'), { netns: 'another-boot' })));
    expect(mac(again, 'local/a/set-network')).toBe(mac(one, 'local/a/set-network'));
    expect(mac(one, 'local/b/set-network')).not.toBe(mac(one, 'local/a/set-network'));
    expect(mac(elsewhere, 'local/a/set-network')).not.toBe(mac(one, 'local/a/set-network'));
  });

  it('a derived MAC that is already in use moves on to another one', () => {
    const first = paramsOf(plan(desired(a), world(host('local'))), 'local/a/set-network', 'set-network')!.mac;
    const taken = withHost(host('local'), { addresses: [lease('10.0.3.99', first)] });
    const next = paramsOf(plan(desired(a), world(taken)), 'local/a/set-network', 'set-network')!;
    expect(next.mac).not.toBe(first);
    expect(next.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
  });
});

describe('determinism', () => {
  const db = container('db', { line: 1, fqdn: 'db.demo.test', ports: ['5432:5432', '[::]:5433:5432'], autostart: true });
  const web = container('web', { line: 20, host: 'h2', ports: ['8080:80'], links: [], dependsOn: [] });
  const api = container('api', { line: 40, links: ['db:database', 'db'], dependsOn: ['db'], autostart: true });
  const spec = desired(db, web, api);
  const hosts = () =>
    world(
      withHost(host('local', [recorded(db, '10.0.3.9')]), { netns: 'n', addresses: [lease('10.0.3.2', '00:16:3e:00:00:01'), claim('10.0.3.3', 'shop_x', '02:aa:aa:aa:aa:aa')] }),
      withHost(host('h2'), { netns: 'n' }),
    );

  it('same inputs give byte-identical plans', () => {
    expect(serializePlan(plan(spec, hosts()))).toBe(serializePlan(plan(spec, hosts())));
  });

  it('the order the hosts are listed in does not change the plan', () => {
    const forward = hosts();
    const backward = new Map([...forward.entries()].reverse());
    expect(serializePlan(plan(spec, backward))).toBe(serializePlan(plan(spec, forward)));
  });

  it('planning leaves its inputs as they were', () => {
    const observed = hosts();
    const before = JSON.stringify([...observed.entries()]);
    const specBefore = JSON.stringify(spec);
    plan(spec, observed);
    expect(JSON.stringify([...observed.entries()])).toBe(before);
    expect(JSON.stringify(spec)).toBe(specBefore);
  });

  it('the two hosts sharing a network stack get distinct addresses', () => {
    const addresses = Object.values(plannedAddresses(plan(spec, hosts())));
    expect(addresses).toEqual(['10.0.3.4', '10.0.3.5']);
    expect(new Set([...addresses, '10.0.3.9']).size).toBe(3);
  });
});
