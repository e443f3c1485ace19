// Host ports another Locker project (or a container this project no longer has) already forwards:
// named at plan time, at the port's spec line, instead of failing in the middle of an apply.

import { describe, expect, it } from 'vitest';
import { planChanges, type ObservedForward, type PlanMode } from '../../plans/index.js';
import type { LockerError } from '../../src/errors.js';
import { thrown } from '../helpers/errors.js';
import { container, convergedLocal, desired, forwardsOf, host, observedOf, PROJECT, world } from './plan-fixtures.js';

function forward(project: string, name: string, hostPort: number, over: Partial<ObservedForward> = {}): ObservedForward {
  return { project, container: name, protocol: 'tcp', hostPort, containerPort: 80, targetIp: '10.0.3.99', complete: true, ...over };
}

const web = container('web', { line: 10, ports: ['8080:80', '9000:9000/udp'] });

function refusal(forwards: ObservedForward[], mode: PlanMode = 'up'): LockerError {
  return thrown(() => planChanges({ desired: desired(web), observed: world(host('local', [], forwards)), mode }));
}

describe('ports another project forwards', () => {
  it('refuses a port another project forwards as PORT_IN_USE (the host is in the way, not the spec), at the spec line of the port', () => {
    const e = refusal([forward('shop', 'front', 8080)]);
    expect(e.code).toBe('PORT_IN_USE');
    expect(e.message).toBe('host port 8080:80/tcp is already forwarded by project "shop" to its container front (host "local")');
    expect(e.hint).toBe('use another host port, or free it first: `locker rmports` in project shop');
    expect(e.location).toEqual({ file: 'locker.yml', line: 18, col: 7, path: 'web.ports[0]' });
  });

  it.each<[string, Partial<ObservedForward>, string]>([
    ['bound to one address while the spec wants all of them', { hostIp: '192.168.1.5' }, 'web.ports[0]'],
    ['of the same udp port', { hostPort: 9000, protocol: 'udp' }, 'web.ports[1]'],
  ])('counts a forward %s as a clash', (_what, over, path) => {
    expect(refusal([forward('shop', 'front', 8080, over)]).location?.path).toBe(path);
  });

  it.each<[string, Partial<ObservedForward>]>([
    ['another protocol', { protocol: 'udp' }],
    ['another port', { hostPort: 8081 }],
  ])('lets a forward of %s be', (_what, over) => {
    const plan = planChanges({ desired: desired(web), observed: world(host('local', [], [forward('shop', 'front', 8080, over)])), mode: 'up' });
    expect(plan.actions.map((a) => a.kind)).toContain('forward-ports');
  });

  it('does not mind the other family of one port (IPv4 and IPv6 rules never meet)', () => {
    const observed = world(host('local', [], [forward('shop', 'front', 8080, { ipv6: true, targetIp: 'fd42::99' })]));
    expect(() => planChanges({ desired: desired(web), observed, mode: 'up' })).not.toThrow();
  });

  it('refuses an IPv6 port another project forwards over IPv6, with the port in brackets', () => {
    const v6 = container('web', { line: 10, ports: ['[::]:8080:80'] });
    const observed = world(host('local', [], [forward('shop', 'front', 8080, { ipv6: true, hostIp: '2001:db8::1', targetIp: 'fd42::99' })]));
    const e = thrown(() => planChanges({ desired: desired(v6), observed, mode: 'up' }));
    expect(e.message).toBe('host port [::]:8080:80/tcp is already forwarded by project "shop" to its container front (host "local")');
    expect(e.location?.path).toBe('web.ports[0]');
  });

  it('does not mind two addresses of one port', () => {
    const bound = container('web', { line: 10, ports: ['127.0.0.1:8080:80'] });
    const observed = world(host('local', [], [forward('shop', 'front', 8080, { hostIp: '10.1.1.1' })]));
    expect(() => planChanges({ desired: desired(bound), observed, mode: 'up' })).not.toThrow();
  });

  it('checks `start` and `ports` too, not the commands that forward nothing', () => {
    const stopped = world(host('local', [observedOf(web, 'STOPPED')], [forward('shop', 'front', 8080)]));
    expect(thrown(() => planChanges({ desired: desired(web), observed: stopped, mode: 'start' })).code).toBe('PORT_IN_USE');
    for (const mode of ['down', 'stop', 'rm', 'rmports', 'create'] as const) {
      expect(() => planChanges({ desired: desired(web), observed: stopped, mode }), mode).not.toThrow();
    }
  });

  it('is quiet when nothing would be forwarded (the container already forwards its ports)', () => {
    const observed = convergedLocal([web]);
    observed.get('local')!.forwards.push(forward('shop', 'front', 8080));
    expect(planChanges({ desired: desired(web), observed, mode: 'up' }).actions).toEqual([]);
  });
});

describe('ports a container that left the spec still forwards', () => {
  const old = container('old', { line: 30, ports: ['8080:80'] });

  it('unforwards the leftover first when `up` removes it', () => {
    const plan = planChanges({ desired: desired(web), observed: world(host('local', [observedOf(old)], forwardsOf(old))), mode: 'up' });
    const fwd = plan.actions.find((a) => a.id === 'local/web/forward-ports')!;
    expect(fwd.dependsOn).toContain('local/old/unforward-ports');
    expect(plan.actions.findIndex((a) => a.id === 'local/old/unforward-ports')).toBeLessThan(plan.actions.indexOf(fwd));
  });

  it('refuses when the plan would leave the leftover in place (a command limited to some containers)', () => {
    const observed = world(host('local', [observedOf(old)], forwardsOf(old)));
    const e = thrown(() => planChanges({ desired: desired(web), observed, mode: 'up', targets: ['web'] }));
    expect(e.message).toBe(`host port 8080:80/tcp is already forwarded to old, a container of this project that is no longer in the spec (host "local")`);
    expect([e.code, e.location?.path]).toEqual(['PORT_IN_USE', 'web.ports[0]']);
  });

  it('leaves ports moving between containers of the spec to their own forward-ports', () => {
    const a = container('a', { line: 1, ports: ['7000:7000'] });
    const b = container('b', { line: 20, ports: ['8080:80'] });
    const observed = world(host('local', [observedOf(a), observedOf(b)], [forward(PROJECT, 'a', 8080)]));
    expect(() => planChanges({ desired: desired(a, b), observed, mode: 'up' })).not.toThrow();
  });
});
