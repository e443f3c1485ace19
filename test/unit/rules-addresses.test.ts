// src/rules: IPv4, IPv6, MAC, host:port and CIDR, each a table of named cases. Where layers used to
// disagree, the case says which spelling used to slip through where.
import { describe, expect, it } from 'vitest';
import {
  checkForwardableIpv6,
  describeOutsideSubnet,
  eui64InterfaceId,
  isCanonicalIpv6,
  isIpv4,
  isMac,
  parseCidr,
  parseIpv4,
  parseIpv6,
  splitHostPort,
  joinHostPort,
} from '../../src/rules/index.js';

describe('isIpv4', () => {
  it.each<[string, unknown, boolean]>([
    ['a dotted quad', '10.0.3.50', true],
    ['every address', '0.0.0.0', true],
    ['the top address', '255.255.255.255', true],
    ['an octet past 255', '10.0.3.256', false],
    // src/lxc/wait-ipv4 took \d{1,3} octets, so `010.0.3.1` and `999.1.1.1` passed there.
    ['a leading zero (octal to some tools)', '010.0.3.1', false],
    ['a zero octet written twice', '10.00.3.1', false],
    ['three octets', '10.0.3', false],
    ['five octets', '10.0.3.1.5', false],
    // src/lxc/dhcp-leases and src/net/tag took [0-9.]+, so these passed there.
    ['an empty octet', '10..3.1', false],
    ['only dots and digits', '1.2.3.4.', false],
    ['spaces around it', ' 10.0.3.1', false],
    ['an IPv6 address', 'fd42::1', false],
    ['not a string', ['10.0.3.1'], false],
  ])('%s: %j', (_name, value, expected) => {
    expect(isIpv4(value)).toBe(expected);
    if (typeof value === 'string') expect(parseIpv4(value).ok).toBe(expected);
  });

  it('says what to write, with the hint the caller gives', () => {
    expect(parseIpv4('1.2.3')).toEqual({ ok: false, message: '"1.2.3" is not an IPv4 address', hint: 'write the address as a dotted quad, e.g. 10.0.3.50' });
    expect(parseIpv4('1.2.3', 'HINT')).toMatchObject({ hint: 'HINT' });
  });
});

describe('describeOutsideSubnet', () => {
  const bridge = { address: '10.0.3.1', prefix: 24 };
  it.each<[string, string, { address: string; prefix: number }, string | undefined]>([
    ['inside', '10.0.3.50', bridge, undefined],
    ['outside', '10.0.4.50', bridge, '10.0.4.50 is outside 10.0.3.0/24'],
    ['the network address', '10.0.3.0', bridge, '10.0.3.0 is the network address of 10.0.3.0/24'],
    ['the broadcast address', '10.0.3.255', bridge, '10.0.3.255 is the broadcast address of 10.0.3.0/24'],
    ['the bridge itself', '10.0.3.1', bridge, "10.0.3.1 is the bridge's own address"],
    ['a /31 has no network or broadcast address', '10.0.3.0', { address: '10.0.3.1', prefix: 31 }, undefined],
  ])('%s', (_name, address, subnet, expected) => {
    expect(describeOutsideSubnet(address, subnet)).toBe(expected);
  });
});

describe('parseIpv6', () => {
  it.each<[string, string, string | undefined]>([
    ['the canonical form stays', '2001:db8::1', '2001:db8::1'],
    ['upper case is lowered', 'FD42::A', 'fd42::a'],
    ['all eight groups', '2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['leading zeros go', '2001:0db8::0001', '2001:db8::1'],
    ['the longest zero run becomes ::', '1:0:0:1:0:0:0:1', '1:0:0:1::1'],
    ['the first of two equal runs', '1:0:0:1:1:0:0:1', '1::1:1:0:0:1'],
    ['a single zero group stays', '1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['every address', '::', '::'],
    ['loopback', '::1', '::1'],
    ['two ::', '1::2::3', undefined],
    ['nine groups', '1:2:3:4:5:6:7:8:9', undefined],
    ['seven groups without ::', '1:2:3:4:5:6:7', undefined],
    [':: standing for no group', '1:2:3:4::5:6:7:8', undefined],
    ['a five-digit group', '12345::1', undefined],
    ['a zone', 'fe80::1%eth0', undefined],
    ['a dotted IPv4 tail', '::ffff:1.2.3.4', undefined],
    ['an IPv4 address', '10.0.3.1', undefined],
    ['empty', '', undefined],
  ])('%s: %s', (_name, text, canonical) => {
    const parsed = parseIpv6(text);
    expect(parsed.ok ? parsed.value : undefined).toBe(canonical);
    expect(isCanonicalIpv6(text)).toBe(canonical === text);
  });

  it.each<[string, string, boolean]>([
    ['a global address', '2001:db8::1', true],
    ['every address', '::', true],
    ['loopback (Linux drops NATed replies to ::1)', '::1', false],
    ['IPv4-mapped', '::ffff:a00:301', false],
    ['IPv4-compatible', '::a00:301', false],
  ])('forwardable: %s', (_name, address, expected) => {
    expect(checkForwardableIpv6(address).ok).toBe(expected);
  });
});

describe('MAC addresses', () => {
  it.each<[unknown, boolean]>([
    ['02:51:73:12:c6:7d', true],
    ['02:51:73:12:C6:7D', false],
    ['02:51:73:12:c6', false],
    ['02-51-73-12-c6-7d', false],
    [42, false],
  ])('%j is a MAC: %s', (value, expected) => {
    expect(isMac(value)).toBe(expected);
  });

  it('gives the SLAAC interface id (universal/local bit flipped, ff:fe in the middle)', () => {
    expect(eui64InterfaceId('00:16:3e:12:34:56')).toBe('216:3eff:fe12:3456');
  });
});

describe('splitHostPort', () => {
  it.each<[string, string, { host: string; port?: number } | undefined]>([
    ['IPv4 and a port', '10.0.3.5:80', { host: '10.0.3.5', port: 80 }],
    ['a name and a port', 'nats1:4222', { host: 'nats1', port: 4222 }],
    ['IPv6 in brackets', '[fd42::5]:80', { host: 'fd42::5', port: 80 }],
    ['IPv6 every address', '[::]:4222', { host: '::', port: 4222 }],
    ['a host alone', '10.0.3.5', { host: '10.0.3.5' }],
    ['IPv6 in brackets alone', '[fd42::5]', { host: 'fd42::5' }],
    ['an empty host', ':4222', { host: '', port: 4222 }],
    ['IPv6 without brackets (its colons are not a port)', 'fd42::5:80', undefined],
    ['a port past 65535', '10.0.3.5:65536', undefined],
    ['port 0', '10.0.3.5:0', undefined],
    ['not a number', '10.0.3.5:http', undefined],
    ['an unclosed bracket', '[fd42::5:80', undefined],
    ['text after the bracket', '[fd42::5]x80', undefined],
  ])('%s: %s', (_name, text, expected) => {
    expect(splitHostPort(text)).toEqual(expected);
  });

  it('joins back with brackets around IPv6', () => {
    expect(joinHostPort('fd42::5', 80)).toBe('[fd42::5]:80');
    expect(joinHostPort('10.0.3.5', 80)).toBe('10.0.3.5:80');
  });
});

describe('parseCidr', () => {
  it.each<[string, { address: string; prefix: number; ipv6: boolean } | undefined]>([
    ['10.0.3.5/24', { address: '10.0.3.5', prefix: 24, ipv6: false }],
    ['10.0.3.5/32', { address: '10.0.3.5', prefix: 32, ipv6: false }],
    ['fd42::5/64', { address: 'fd42::5', prefix: 64, ipv6: true }],
    ['fd42::5/128', { address: 'fd42::5', prefix: 128, ipv6: true }],
    // src/lxc/config-block took any hex, dots and colons with any 3-digit prefix.
    ['10.0.3.5/33', undefined],
    ['fd42::5/129', undefined],
    ['10.0.3/24', undefined],
    ['::::/64', undefined],
    ['10.0.3.5', undefined],
    ['10.0.3.5/', undefined],
    ['10.0.3.5/1234', undefined],
  ])('%s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });
});
