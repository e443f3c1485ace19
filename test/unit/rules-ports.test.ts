// src/rules/ports: port numbers, protocols, when two forwards meet, and how a forward is named.
import { describe, expect, it } from 'vitest';
import {
  isForwardHostAddress,
  isPortNumber,
  isProtocol,
  labelPort,
  parsePortNumber,
  portsOverlap,
  type HostPortOf,
  type PortForward,
} from '../../src/rules/index.js';

describe('port numbers', () => {
  it.each<[unknown, boolean]>([
    [1, true],
    [65535, true],
    [0, false],
    [65536, false],
    [-80, false],
    [80.5, false],
    [Number.NaN, false],
    ['80', false],
  ])('%j is a port: %s', (value, expected) => {
    expect(isPortNumber(value)).toBe(expected);
  });

  it.each<[string, number | string]>([
    ['80', 80],
    ['65535', 65535],
    ['080', 80],
    ['0', 'port 0 is out of range'],
    ['65536', 'port 65536 is out of range'],
    ['123456', '"123456" is not a port number'],
    ['-1', '"-1" is not a port number'],
    ['8e1', '"8e1" is not a port number'],
    ['', '"" is not a port number'],
  ])('parses %j as written in a spec', (text, expected) => {
    const parsed = parsePortNumber(text);
    expect(parsed.ok ? parsed.value : parsed.message).toBe(expected);
  });

  it('puts the accepted forms in the hint of text that is no number', () => {
    expect(parsePortNumber('x', 'FORMS')).toMatchObject({ hint: 'ports are whole numbers 1-65535; FORMS' });
    expect(parsePortNumber('0', 'FORMS')).toMatchObject({ hint: 'ports are whole numbers 1-65535' });
  });

  it.each<[unknown, boolean]>([
    ['tcp', true],
    ['udp', true],
    // The spec lowers `TCP` before it asks; a job or a tag must carry the lower-case word.
    ['TCP', false],
    ['sctp', false],
    [undefined, false],
  ])('%j is a protocol: %s', (value, expected) => {
    expect(isProtocol(value)).toBe(expected);
  });
});

describe('portsOverlap', () => {
  const p = (over: Partial<HostPortOf> = {}): HostPortOf => ({ protocol: 'tcp', hostPort: 8080, ...over });
  it.each<[string, HostPortOf, HostPortOf, boolean]>([
    ['one port, no addresses', p(), p(), true],
    ['no address meets any address', p(), p({ hostIp: '192.168.2.1' }), true],
    ['one address', p({ hostIp: '192.168.2.1' }), p({ hostIp: '192.168.2.1' }), true],
    ['two addresses', p({ hostIp: '192.168.2.1' }), p({ hostIp: '192.168.2.2' }), false],
    ['two protocols', p(), p({ protocol: 'udp' }), false],
    ['two ports', p(), p({ hostPort: 8081 }), false],
    ['IPv4 and IPv6 (separate tables)', p(), p({ ipv6: true }), false],
    ['two IPv6, no addresses', p({ ipv6: true }), p({ ipv6: true }), true],
    ['IPv6, every address and one', p({ ipv6: true }), p({ ipv6: true, hostIp: '2001:db8::1' }), true],
  ])('%s: %s', (_name, a, b, expected) => {
    expect(portsOverlap(a, b)).toBe(expected);
    expect(portsOverlap(b, a)).toBe(expected);
  });
});

describe('isForwardHostAddress', () => {
  it.each<[string, unknown, boolean, boolean]>([
    ['IPv4', '192.168.2.1', false, true],
    ['IPv4 with a leading zero', '192.168.2.01', false, false],
    ['IPv6 canonical', '2001:db8::1', true, true],
    ['IPv6 in another spelling', '2001:DB8::1', true, false],
    ['IPv6 every address (written as none)', '::', true, false],
    ['IPv6 loopback', '::1', true, false],
    ['IPv6 for an IPv4 forward', '2001:db8::1', false, false],
    ['IPv4 for an IPv6 forward', '192.168.2.1', true, false],
    ['not a string', 42, false, false],
  ])('%s', (_name, value, ipv6, expected) => {
    expect(isForwardHostAddress(value, ipv6)).toBe(expected);
  });
});

describe('labelPort', () => {
  it.each<[PortForward, string]>([
    [{ protocol: 'tcp', hostPort: 8080, containerPort: 8080 }, '8080/tcp'],
    [{ protocol: 'udp', hostPort: 8080, containerPort: 80 }, '8080:80/udp'],
    [{ protocol: 'tcp', hostIp: '192.168.2.123', hostPort: 8002, containerPort: 8002 }, '192.168.2.123:8002/tcp'],
    [{ protocol: 'tcp', hostIp: '::1', hostPort: 8080, containerPort: 80, ipv6: true }, '[::1]:8080:80/tcp'],
    [{ protocol: 'tcp', hostPort: 8080, containerPort: 8080, ipv6: true }, '[::]:8080/tcp'],
  ])('%j is %s', (port, label) => {
    expect(labelPort(port)).toBe(label);
  });
});
