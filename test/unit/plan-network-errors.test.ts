// Specs the hosts cannot address: each refusal of the planner with its code, message, hint, and the
// exact line:col and spec path it points at.

import { describe, expect, it } from 'vitest';
import type { ObservedHost, PlanMode } from '../../plans/index.js';
import { loadSpec, type DesiredState } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';
import { BRIDGE, container, desired, forwardsOf, host, observedOf, world } from './plan-fixtures.js';
import { claim, lease, plan, recorded, withHost } from './plan-network-fixtures.js';

const a = container('a', { line: 1 });
const b = container('b', { line: 20 });

describe('errors of a spec the hosts cannot address', () => {
  interface ErrorCase {
    name: string;
    spec: DesiredState;
    hosts: Map<string, ObservedHost>;
    targets?: string[];
    code: 'SPEC_INVALID' | 'HOST_PRECONDITION';
    message: RegExp;
    location: { line: number; col: number; path: string };
    hint: RegExp;
  }

  const fixed = (ipv4: string, over: Parameters<typeof container>[1] = {}) => container('a', { line: 1, ipv4, ...over });
  const ipv4At = { line: 12, col: 11, path: 'a.ipv4' };
  const bridgeAt = { line: 1, col: 1, path: 'a' };

  const cases: ErrorCase[] = [
    {
      name: 'fixed ipv4 outside the bridge subnet',
      spec: desired(fixed('10.0.4.2')),
      hosts: world(host('local')),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.4\.2 is outside 10\.0\.3\.0\/24 \(bridge lxcbr0 on host "local"\)$/,
      location: ipv4At,
      hint: /^pick an address in 10\.0\.3\.0\/24, or leave `ipv4` out/,
    },
    {
      name: 'fixed ipv4 equal to the bridge address',
      spec: desired(fixed('10.0.3.1')),
      hosts: world(host('local')),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.1 is the bridge's own address \(bridge lxcbr0 on host "local"\)$/,
      location: ipv4At,
      hint: /10\.0\.3\.0\/24/,
    },
    {
      name: 'fixed ipv4 equal to the network address',
      spec: desired(fixed('10.0.3.0')),
      hosts: world(host('local')),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.0 is the network address of 10\.0\.3\.0\/24/,
      location: ipv4At,
      hint: /pick an address/,
    },
    {
      name: 'fixed ipv4 equal to the broadcast address',
      spec: desired(fixed('10.0.3.255')),
      hosts: world(host('local')),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.255 is the broadcast address of 10\.0\.3\.0\/24/,
      location: ipv4At,
      hint: /pick an address/,
    },
    {
      name: 'fixed ipv4 leased by DHCP to another machine: the message names the holder',
      spec: desired(fixed('10.0.3.50')),
      hosts: world(withHost(host('local'), { addresses: [lease('10.0.3.50', '00:16:3e:00:00:01')] })),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.50 is already held by a DHCP lease of 00:16:3e:00:00:01 on host "local"$/,
      location: ipv4At,
      hint: /^pick another address, or leave `ipv4` out/,
    },
    {
      name: 'fixed ipv4 claimed by a container of another project',
      spec: desired(fixed('10.0.3.50')),
      hosts: world(withHost(host('local'), { addresses: [claim('10.0.3.50', 'shop_front', '02:aa:aa:aa:aa:aa')] })),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.50 is already held by container shop_front \(lxcpath \/var\/lib\/lxc\) on host "local"$/,
      location: ipv4At,
      hint: /pick another address/,
    },
    {
      name: 'fixed ipv4 that an existing container of the spec keeps',
      spec: desired(fixed('10.0.3.50'), b),
      hosts: world(host('local', [recorded(b, '10.0.3.50')])),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.50 is already held by container b of this spec on host "local"$/,
      location: ipv4At,
      hint: /pick another address/,
    },
    {
      name: 'one fixed ipv4 for containers of two hosts in one network stack: the second is wrong',
      spec: desired(container('a', { host: 'h1', ipv4: '10.0.3.9' }), container('b', { host: 'h2', ipv4: '10.0.3.9', line: 20 })),
      hosts: world(withHost(host('h1'), { netns: 'n' }), withHost(host('h2'), { netns: 'n' })),
      code: 'SPEC_INVALID',
      message: /^ipv4 10\.0\.3\.9 is already held by container a of this spec on host "h2"$/,
      location: { line: 31, col: 11, path: 'b.ipv4' },
      hint: /pick another address/,
    },
    {
      name: 'a bridge the host does not have: the hint lists the ones it has',
      spec: desired(container('a', { bridge: 'br1' })),
      hosts: world(host('local')),
      code: 'SPEC_INVALID',
      message: /^bridge br1 does not exist on host "local"$/,
      location: bridgeAt,
      hint: /^bridges of that host: lxcbr0$/,
    },
    {
      name: 'a host without any bridge: the hint says how to make lxcbr0',
      spec: desired(a),
      hosts: world(withHost(host('local'), { bridges: [] })),
      code: 'SPEC_INVALID',
      message: /^bridge lxcbr0 does not exist on host "local"$/,
      location: bridgeAt,
      hint: /bin\/setup-host/,
    },
    {
      name: 'a bridge without IPv4',
      spec: desired(a),
      hosts: world(withHost(host('local'), { bridges: [{ name: 'lxcbr0', ipv6: { address: 'fd42::1', prefix: 64 }, dhcp: 'none' }] })),
      code: 'SPEC_INVALID',
      message: /^bridge lxcbr0 of host "local" has no IPv4 address, so Locker cannot give a one in its subnet$/,
      location: bridgeAt,
      hint: /ip addr add .* dev lxcbr0/,
    },
    {
      name: "a bridge whose DHCP server ignores Locker's reservations",
      spec: desired(a),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, dhcp: 'unreserved' }] })),
      code: 'HOST_PRECONDITION',
      message: /^the DHCP server of lxcbr0 on host "local" \(lxc-net's dnsmasq\) does not read Locker's address reservations/,
      location: bridgeAt,
      hint: /^run bin\/setup-host on that host/,
    },
    {
      name: 'no free address left on the bridge',
      spec: desired(a, container('b', { line: 20 })),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv4: { address: '10.0.3.1', prefix: 30 } }] })),
      code: 'HOST_PRECONDITION',
      message: /^no free IPv4 address left for b on bridge lxcbr0 \(10\.0\.3\.0\/30\) of host "local"$/,
      location: { line: 20, col: 1, path: 'b' },
      hint: /stale DHCP leases|another bridge/,
    },
    {
      name: 'no free address left because the rest is held',
      spec: desired(a),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv4: { address: '10.0.3.1', prefix: 29 } }], addresses: ['2', '3', '4', '5', '6'].map((n) => lease(`10.0.3.${n}`, `00:16:3e:00:00:0${n}`)) })),
      code: 'HOST_PRECONDITION',
      message: /^no free IPv4 address left for a on bridge lxcbr0 \(10\.0\.3\.0\/29\)/,
      location: bridgeAt,
      hint: /remove containers or stale DHCP leases/,
    },
    {
      name: 'an IPv6 port on a bridge without IPv6: at the port',
      spec: desired(container('a', { ports: ['8080:80', '[::]:8443:443'] })),
      hosts: world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv6: undefined }] })),
      code: 'SPEC_INVALID',
      message: /^port \[::\]:8443:443 is IPv6, but bridge lxcbr0 of host "local" has no IPv6 address, so a gets none$/,
      location: { line: 10, col: 7, path: 'a.ports[1]' },
      hint: /ip -6 addr add .* dev lxcbr0|forward IPv4 only/,
    },
    {
      name: 'a link to a container whose bridge gives it no address: at the link',
      spec: desired(container('db', { line: 1, bridge: 'br1' }), container('web', { line: 20, links: ['db'] })),
      hosts: world(host('local')),
      targets: ['web'],
      code: 'SPEC_INVALID',
      message: /^web links to db, whose address is not known$/,
      location: { line: 32, col: 7, path: 'web.links[0]' },
      hint: /plan db too/,
    },
  ];

  it.each(cases)('$name', (tc) => {
    const err = thrown(() => plan(tc.spec, tc.hosts, 'up', tc.targets));
    expect(err.code).toBe(tc.code);
    expect(err.message).toMatch(tc.message);
    expect(err.location).toEqual({ file: 'locker.yml', ...tc.location });
    expect(err.hint).toMatch(tc.hint);
  });

  it('create refuses what up refuses', () => {
    const err = thrown(() => plan(desired(container('a', { bridge: 'br1' })), world(host('local')), 'create'));
    expect(err.message).toBe('bridge br1 does not exist on host "local"');
  });

  it.each<[string, PlanMode, string[] | undefined]>([
    ['up of another container', 'up', ['b']],
    ['stop', 'stop', undefined],
    ['down', 'down', undefined],
    ['rmports', 'rmports', undefined],
  ])('a container the command does not (re)address is no error: %s', (_name, mode, targets) => {
    const spec = desired(container('a', { ipv4: '10.9.9.9' }), b);
    expect(() => plan(spec, world(host('local', [observedOf(b)])), mode, targets)).not.toThrow();
  });

  it('start and ports forward without addressing: a bridge problem does not stop them', () => {
    const w = container('w', { ports: ['8080:80'] });
    const hosts = world(withHost(host('local', [observedOf(w, 'STOPPED')], forwardsOf(w)), { bridges: [] }));
    expect(plan(desired(w), hosts, 'start').actions.map((x) => x.id)).toEqual(['local/w/start', 'local/w/forward-ports']);
  });
});

describe('planner errors point into the spec text the loader read', () => {
  const BUSYBOX = '  template: busybox';
  const noIpv6 = world(withHost(host('local'), { bridges: [{ ...BRIDGE, ipv6: undefined }] }));

  it.each([
    { name: 'a missing bridge: at the value of bridge', lines: ['web:', BUSYBOX, '  bridge: br1'], at: [3, 11, 'web.bridge'], message: /^bridge br1 does not exist/ },
    { name: 'a missing bridge from defaults: at the default', lines: ['defaults:', '  bridge: br1', 'containers:', '  web:', '    template: busybox'], at: [2, 11, 'defaults.bridge'], message: /^bridge br1 does not exist/ },
    { name: 'a fixed address outside the subnet: at the value of ipv4', lines: ['web:', BUSYBOX, '  ipv4: 10.0.4.2'], at: [3, 9, 'web.ipv4'], message: /^ipv4 10\.0\.4\.2 is outside 10\.0\.3\.0\/24/ },
    { name: 'an IPv6 port on a bridge without IPv6: at the port', lines: ['web:', BUSYBOX, '  ports: ["8080:80", "[::]:8443:443"]'], at: [3, 22, 'web.ports[1]'], message: /^port \[::\]:8443:443 is IPv6/ },
  ])('$name', ({ lines, at, message }) => {
    const spec = loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    const err = thrown(() => plan(spec, noIpv6));
    expect(err.message).toMatch(message);
    expect(err.location).toEqual({ file: 'locker.yml', line: at[0], col: at[1], path: at[2] });
  });

  it('a link to a container the planner cannot address: at the link', () => {
    const lines = ['db:', BUSYBOX, '  bridge: br1', 'web:', BUSYBOX, '  links: ["db:database"]'];
    const spec = loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    const err = thrown(() => plan(spec, world(host('local')), 'up', ['web']));
    expect(err.message).toBe('web links to db, whose address is not known');
    expect(err.location).toEqual({ file: 'locker.yml', line: 6, col: 11, path: 'web.links[0]' });
  });
});
