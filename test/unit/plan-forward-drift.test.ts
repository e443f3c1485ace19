// How forwards are labelled and compared with the spec, per family: an IPv6 forward is its own port,
// checked against the container's IPv6 addresses, and shown with brackets even on every address.

import { describe, expect, it } from 'vitest';
import { describeForwardDrift, toForwardParams } from '../../plans/compare-forwards.js';
import { labelPort } from '../../src/rules/index.js';
import type { ObservedForward } from '../../plans/observed.js';
import { parsePort, type PortSpec } from '../../src/spec/index.js';

const ref = { file: 'locker.yml', line: 3, col: 7, path: 'web.ports[0]' };

function port(raw: string): PortSpec {
  const parsed = parsePort(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return { ...parsed.value, raw, ref };
}

function forward(p: PortSpec, targetIp: string, over: Partial<ObservedForward> = {}): ObservedForward {
  const { raw: _raw, ref: _ref, ...fields } = p;
  return { project: 'demo', container: 'web', ...fields, targetIp, complete: true, ...over };
}

const addresses = { ipv4: ['10.0.3.5'], ipv6: ['fd42::5'] };

describe('labelPort', () => {
  it.each([
    ['8080:80', '8080:80/tcp'],
    ['8080:8080/udp', '8080/udp'],
    ['192.168.2.123:8002:8002', '192.168.2.123:8002/tcp'],
    ['[::]:8080:80', '[::]:8080:80/tcp'],
    ['[::]:8080:8080/udp', '[::]:8080/udp'],
    ['[2001:db8::1]:8080:80', '[2001:db8::1]:8080:80/tcp'],
  ])('%s reads %s', (raw, label) => {
    expect(labelPort(port(raw))).toBe(label);
  });
});

describe('toForwardParams', () => {
  it('carries ipv6 only for IPv6 ports, so IPv4 params keep their bytes', () => {
    expect(JSON.stringify(toForwardParams([port('8080:80'), port('[2001:db8::1]:8080:80/udp')]))).toBe(
      '[{"protocol":"tcp","hostPort":8080,"containerPort":80},{"protocol":"udp","hostPort":8080,"containerPort":80,"hostIp":"2001:db8::1","ipv6":true}]',
    );
  });
});

describe('describeForwardDrift', () => {
  const v4 = port('8080:80');
  const v6 = port('[::]:8080:80');

  it('is empty when both families forward to the container', () => {
    expect(describeForwardDrift([v4, v6], [forward(v4, '10.0.3.5'), forward(v6, 'fd42::5')], addresses)).toEqual([]);
  });

  it('tells the families of one port apart', () => {
    expect(describeForwardDrift([v4, v6], [forward(v4, '10.0.3.5')], addresses)).toEqual(['port [::]:8080:80/tcp is not forwarded']);
    expect(describeForwardDrift([v4], [forward(v4, '10.0.3.5'), forward(v6, 'fd42::5')], addresses)).toEqual([
      'port [::]:8080:80/tcp is forwarded but not in the spec',
    ]);
  });

  it("checks an IPv6 forward's target against the container's IPv6 addresses", () => {
    expect(describeForwardDrift([v6], [forward(v6, 'fd42::99')], addresses)).toEqual(['port [::]:8080:80/tcp points at fd42::99, not at the container']);
    expect(describeForwardDrift([v6], [forward(v6, 'fd42::5')], { ipv4: ['10.0.3.5'], ipv6: [] })).toEqual([]);
    expect(describeForwardDrift([v4], [forward(v4, '10.0.3.5')], { ipv4: ['10.0.3.5'], ipv6: ['fd42::77'] })).toEqual([]);
  });

  it('reports an incomplete IPv6 forward', () => {
    expect(describeForwardDrift([v6], [forward(v6, 'fd42::5', { complete: false })], addresses)).toEqual(['port [::]:8080:80/tcp is forwarded incompletely']);
  });
});
