// Port forms, their parsed fields, the bad ones, and clashes between forwards.
import { describe, expect, it } from 'vitest';
import { LockerError } from '../../src/errors.js';
import { loadSpec, parsePort, type PortSpec } from '../../src/spec/index.js';

describe('parsePort', () => {
  it.each<[string, Omit<PortSpec, 'raw' | 'ref'>]>([
    ['8000:8000', { hostPort: 8000, containerPort: 8000, protocol: 'tcp' }],
    ['8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    ['8001:8001/tcp', { hostPort: 8001, containerPort: 8001, protocol: 'tcp' }],
    ['8000:8000/udp', { hostPort: 8000, containerPort: 8000, protocol: 'udp' }],
    ['53:53/UDP', { hostPort: 53, containerPort: 53, protocol: 'udp' }],
    ['192.168.2.123:8002:8002', { hostIp: '192.168.2.123', hostPort: 8002, containerPort: 8002, protocol: 'tcp' }],
    ['192.168.2.123:8002:8003/udp', { hostIp: '192.168.2.123', hostPort: 8002, containerPort: 8003, protocol: 'udp' }],
    ['127.0.0.1:1:65535/tcp', { hostIp: '127.0.0.1', hostPort: 1, containerPort: 65535, protocol: 'tcp' }],
    ['255.255.255.255:80:80', { hostIp: '255.255.255.255', hostPort: 80, containerPort: 80, protocol: 'tcp' }],
    ['0.0.0.0:80:80', { hostPort: 80, containerPort: 80, protocol: 'tcp' }],
    // IPv6: `::` is every address (dropped like 0.0.0.0), any other address is kept in its canonical spelling.
    ['[::]:8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp', ipv6: true }],
    ['[0:0:0:0:0:0:0:0]:8080:80', { hostPort: 8080, containerPort: 80, protocol: 'tcp', ipv6: true }],
    ['[2001:db8::1]:8080:80/udp', { hostIp: '2001:db8::1', hostPort: 8080, containerPort: 80, protocol: 'udp', ipv6: true }],
    ['[2001:DB8:0000:0:0:0:0:0001]:8080:80', { hostIp: '2001:db8::1', hostPort: 8080, containerPort: 80, protocol: 'tcp', ipv6: true }],
    ['[fd42:0:0:1::5]:1:65535/TCP', { hostIp: 'fd42:0:0:1::5', hostPort: 1, containerPort: 65535, protocol: 'tcp', ipv6: true }],
    ['[2001:db8:0:0:1:0:0:1]:53:53/udp', { hostIp: '2001:db8::1:0:0:1', hostPort: 53, containerPort: 53, protocol: 'udp', ipv6: true }],
    ['[2001:db8:0:1:1:1:1:1]:80:80', { hostIp: '2001:db8:0:1:1:1:1:1', hostPort: 80, containerPort: 80, protocol: 'tcp', ipv6: true }],
    ['[fe80::]:80:80', { hostIp: 'fe80::', hostPort: 80, containerPort: 80, protocol: 'tcp', ipv6: true }],
  ])('%s', (raw, expected) => {
    expect(parsePort(raw)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, RegExp, RegExp]>([
    ['8000', /^invalid port "8000"$/, /accepted forms: "8000:8000"/],
    ['8000:8000:8000:8000', /^invalid port/, /an IPv6 host address goes in brackets/],
    ['1:2/tcp/udp', /^invalid port/, /accepted forms/],
    ['8000:8000/sctp', /^invalid protocol "sctp"/, /tcp .* or udp/],
    ['0:80', /^port 0 is out of range \(host port of "0:80"\)$/, /1-65535/],
    ['80:65536', /^port 65536 is out of range \(container port of "80:65536"\)$/, /1-65535/],
    ['80:http', /^"http" is not a port number/, /whole numbers/],
    ['-1:80', /^"-1" is not a port number/, /whole numbers/],
    ['8000-8010:8000-8010', /is not a port number/, /accepted forms/],
    [':80', /^"" is not a port number/, /whole numbers/],
    ['256.1.1.1:80:80', /^"256\.1\.1\.1" is not an IPv4 address in port/, /dotted quad/],
    ['10.0.0:80:80', /is not an IPv4 address/, /dotted quad/],
    ['010.0.0.1:80:80', /is not an IPv4 address/, /dotted quad/],
    ['localhost:80:80', /is not an IPv4 address/, /dotted quad/],
    ['2001:db8::1:8080:80', /^invalid port/, /an IPv6 host address goes in brackets/],
    ['[2001:db8::1]:8080', /^invalid port "\[2001:db8::1\]:8080"$/, /accepted forms: .*"\[::\]:8080:80"/],
    ['[2001:db8::1]8080:80', /^invalid port/, /accepted forms/],
    ['[2001:db8::1:8080:80', /^invalid port/, /accepted forms/],
    ['[2001:db8::1]:0:80', /^port 0 is out of range \(host port of/, /1-65535/],
    ['[2001:db8:::1]:80:80', /^"2001:db8:::1" is not an IPv6 address in port "\[2001:db8:::1\]:80:80"$/, /hex groups/],
    ['[1::2::3]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[2001:db8::12345]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[1:2:3:4:5:6:7]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[1:2:3:4:5:6:7:8:9]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[1:2:3:4:5:6:7::8]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[fe80::1%eth0]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[::ffff:192.168.2.1]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[192.168.2.1]:80:80', /is not an IPv6 address/, /hex groups/],
    ['[]:80:80', /^"" is not an IPv6 address/, /hex groups/],
    ['[g::1]:80:80', /is not an IPv6 address/, /hex groups/],
    // Experiment on Linux 6.18: a DNAT from ::1 goes out, but the replies to ::1 are dropped on arrival.
    ['[::1]:8080:80', /^the IPv6 loopback address ::1 cannot be forwarded in port "\[::1\]:8080:80"$/, /127\.0\.0\.1:H:C/],
    ['[0:0:0:0:0:0:0:1]:8080:80', /IPv6 loopback/, /route_localnet/],
    ['[::ffff:c0a8:201]:80:80', /^::ffff:c0a8:201 is an IPv4-compatible or IPv4-mapped IPv6 address/, /IPv4 address itself/],
    ['[::1:2]:80:80', /IPv4-compatible or IPv4-mapped/, /IPv4 address itself/],
  ])('refuses %j', (raw, message, hint) => {
    const result = parsePort(raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.hint).toMatch(hint);
  });
});

function load(lines: string[]) {
  return loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv' });
}

function clashOf(lines: string[]): LockerError | undefined {
  try {
    load(lines);
    return undefined;
  } catch (e) {
    if (e instanceof LockerError) return e;
    throw e;
  }
}

describe('port clashes', () => {
  const two = (a: string, b: string, hostA = 'local', hostB = 'local') => [
    'db:', '  template: busybox', `  host: ${hostA}`, `  ports: ["${a}"]`,
    'web:', '  template: busybox', `  host: ${hostB}`, `  ports: ["${b}"]`,
  ];

  it.each<[string, string, string, string]>([
    ['same port, both on every address', '8000:8000', '8000:80', '8000/tcp'],
    ['every address and one address', '8000:8000', '10.0.0.1:8000:80', '8000/tcp'],
    ['one address and every address', '10.0.0.1:8000:8000', '8000:80', '8000/tcp'],
    ['same address', '10.0.0.1:8000:8000', '10.0.0.1:8000:80', '8000/tcp'],
    ['same udp port', '53:53/udp', '53:5353/udp', '53/udp'],
  ])('%s clash', (_name, a, b, label) => {
    const err = clashOf(two(a, b));
    expect(err?.code).toBe('SPEC_INVALID');
    expect(err?.location).toEqual({ file: 'locker.yml', line: 8, col: 11, path: 'web.ports[0]' });
    expect(err?.message).toBe(`host port ${label} is already forwarded by db.ports[0] ("${a}")`);
  });

  it.each<[string, string, string, string]>([
    ['IPv6 on every address, twice', '[::]:8000:8000', '[::]:8000:80', '8000/tcp'],
    ['IPv6 every address and one address', '[::]:8000:8000', '[2001:db8::1]:8000:80', '8000/tcp'],
    ['one IPv6 address in two spellings', '[2001:db8::1]:53:53/udp', '[2001:DB8:0::0001]:53:5353/udp', '53/udp'],
  ])('%s clash', (_name, a, b, label) => {
    const err = clashOf(two(a, b));
    expect(err?.code).toBe('SPEC_INVALID');
    expect(err?.location?.path).toBe('web.ports[0]');
    expect(err?.message).toBe(`host port ${label} is already forwarded by db.ports[0] ("${a}")`);
  });

  it.each<[string, string, string, string?, string?]>([
    ['IPv4 and IPv6 on every address (two families, two tables)', '8000:8000', '[::]:8000:80'],
    ['IPv6 and IPv4 on one address each', '[2001:db8::1]:8000:80', '192.168.2.1:8000:80'],
    ['two IPv6 addresses', '[2001:db8::1]:8000:80', '[2001:db8::2]:8000:80'],
    ['IPv6 tcp and udp', '[::]:53:53/tcp', '[::]:53:53/udp'],
    ['different protocols', '53:53/tcp', '53:53/udp'],
    ['different addresses', '10.0.0.1:8000:80', '10.0.0.2:8000:80'],
    ['different host ports', '8000:80', '8001:80'],
    ['different agent hosts', '8000:80', '8000:80', 'a', 'b'],
  ])('%s do not clash', (_name, a, b, hostA, hostB) => {
    expect(clashOf(two(a, b, hostA, hostB))).toBeUndefined();
  });

  it('finds a clash inside one container', () => {
    const err = clashOf(['web:', '  template: busybox', '  ports: ["80:80", "81:81", "80:8080"]']);
    expect(err?.location).toEqual({ file: 'locker.yml', line: 3, col: 29, path: 'web.ports[2]' });
    expect(err?.message).toContain('web.ports[0]');
  });

  it('keeps IPv4 ports free of the ipv6 key, so plans of IPv4 specs keep their bytes', () => {
    const [web] = load(['web:', '  template: busybox', '  ports: ["8000:80", "[::]:8000:80"]']).containers;
    expect(web?.ports.map((p) => Object.keys(p).includes('ipv6'))).toEqual([false, true]);
  });

  it('keeps the raw text and the position of each port', () => {
    const [web] = load(['web:', '  template: busybox', '  ports:', '    - "192.168.2.123:8002:8002"', '    - 8001:8001/udp']).containers;
    expect(web?.ports).toEqual([
      { hostIp: '192.168.2.123', hostPort: 8002, containerPort: 8002, protocol: 'tcp', raw: '192.168.2.123:8002:8002', ref: { file: 'locker.yml', line: 4, col: 7, path: 'web.ports[0]' } },
      { hostPort: 8001, containerPort: 8001, protocol: 'udp', raw: '8001:8001/udp', ref: { file: 'locker.yml', line: 5, col: 7, path: 'web.ports[1]' } },
    ]);
  });
});
