// IPv6 forwards in src/net: tags that stay parseable although addresses hold ':', rules rendered exactly
// as ip6tables-save printed them (a real capture), and IPv4 left byte for byte as it was.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ForwardParams } from '../../plans/types.js';
import { jumpRules, portRules, renderArgs } from '../../src/net/forward-rules.js';
import { parseForwards } from '../../src/net/index.js';
import { diffRules, renderRestore } from '../../src/net/restore-script.js';
import { parseSave } from '../../src/net/saved-rules.js';
import { formatForwardTag, parseForwardTag, ruleTag } from '../../src/net/tag.js';
import { assertForwardInput } from '../../src/net/validate.js';
import { thrown } from '../helpers/errors.js';

const sample4 = readFileSync(new URL('../fixtures/iptables-save-sample.txt', import.meta.url), 'utf8');
/** Captured from ip6tables-save v1.8.9 (nf_tables) in a throwaway network namespace. */
const sample6 = readFileSync(new URL('../fixtures/ip6tables-save-sample.txt', import.meta.url), 'utf8');
const saved6 = parseSave(sample6);
const web = { host: 'local', project: 'demo', container: 'web', targetIp: 'fd42::5' };
const tcp8000: ForwardParams = { protocol: 'tcp', hostPort: 8000, containerPort: 80, ipv6: true };
const udp5353: ForwardParams = { protocol: 'udp', hostIp: '2001:db8::1', hostPort: 5353, containerPort: 53, ipv6: true };

function without(text: string, needle: string): string {
  const lines = text.split('\n');
  expect(lines.filter((l) => l.includes(needle))).toHaveLength(1);
  return lines.filter((l) => !l.includes(needle)).join('\n');
}

describe('IPv6 tags', () => {
  it.each<[string, Parameters<typeof formatForwardTag>[0], string]>([
    ['every address', { host: 'local', project: 'demo', container: 'web', ...tcp8000 }, 'locker:demo:web:tcp6:*:8000:80:local'],
    ['one address, its colons as dashes', { host: 'local', project: 'demo', container: 'web', ...udp5353 }, 'locker:demo:web:udp6:2001-db8--1:5353:53:local'],
    ['a full address', { host: 'h', project: 'p', container: 'c', protocol: 'tcp', hostIp: 'fd42:1:2:3:4:5:6:7', hostPort: 1, containerPort: 2, ipv6: true }, 'locker:p:c:tcp6:fd42-1-2-3-4-5-6-7:1:2:h'],
  ])('round-trip for %s', (_name, tag, text) => {
    expect(formatForwardTag(tag)).toBe(text);
    expect(parseForwardTag(text)).toEqual(tag);
    expect(text.split(':')).toHaveLength(8);
  });

  it('leave IPv4 tags exactly as they were', () => {
    expect(formatForwardTag({ host: 'local', project: 'demo', container: 'web', protocol: 'udp', hostIp: '192.168.2.1', hostPort: 5353, containerPort: 53 })).toBe(
      'locker:demo:web:udp:192.168.2.1:5353:53:local',
    );
    expect(parseForwardTag('locker:demo:web:tcp:*:8000:80:local')).toEqual({ host: 'local', project: 'demo', container: 'web', protocol: 'tcp', hostPort: 8000, containerPort: 80 });
  });

  it('share the project and container prefix with IPv4, so removal by prefix covers both', () => {
    expect(formatForwardTag({ host: 'local', project: 'demo', container: 'web', ...udp5353 }).startsWith(ruleTag('demo', 'web'))).toBe(true);
  });

  it.each([
    ['an address in another spelling', 'locker:demo:web:tcp6:2001-DB8--1:8000:80:local'],
    ['an address with leading zeros', 'locker:demo:web:tcp6:2001-db8--01:8000:80:local'],
    ['`::` instead of *', 'locker:demo:web:tcp6:--:8000:80:local'],
    ['an IPv6 address under an IPv4 protocol', 'locker:demo:web:tcp:2001-db8--1:8000:80:local'],
    ['an IPv4 address under an IPv6 protocol', 'locker:demo:web:tcp6:192.168.2.1:8000:80:local'],
    ['a broken address', 'locker:demo:web:tcp6:2001-db8---1:8000:80:local'],
    ['an unknown protocol', 'locker:demo:web:sctp6:*:8000:80:local'],
  ])('refuse %s', (_name, text) => {
    expect(parseForwardTag(text)).toBeUndefined();
  });
});

describe('IPv6 rules as Locker writes them', () => {
  it('render exactly as ip6tables-save printed them (`/128` masks, `[addr]:port` targets)', () => {
    const rendered = [...jumpRules(), ...portRules(web, tcp8000), ...portRules(web, udp5353)].map((r) => `-A ${r.chain} ${renderArgs(r)}`);
    const lines = sample6.split('\n');
    for (const line of rendered) expect(lines).toContain(line);
  });

  it('are three per port: no MASQUERADE of ::1, which Linux cannot forward', () => {
    expect(portRules(web, tcp8000).map((r) => `${r.table}/${r.chain}/${r.jump}`)).toEqual([
      'nat/LOCKER_PREROUTING/DNAT',
      'nat/LOCKER_OUTPUT/DNAT',
      'filter/LOCKER_FORWARD/ACCEPT',
    ]);
    expect(portRules({ ...web, targetIp: '10.0.3.5' }, { ...tcp8000, ipv6: undefined }).map((r) => r.jump)).toEqual(['DNAT', 'DNAT', 'MASQUERADE', 'ACCEPT']);
  });

  it('need no change when the host already has them', () => {
    const current = saved6.rules.filter((r) => r.comment?.startsWith(ruleTag('demo', 'web')));
    expect(current).toHaveLength(6);
    expect(diffRules(current, [...portRules(web, tcp8000), ...portRules(web, udp5353)])).toEqual({ remove: [], add: [] });
  });

  it('make a restore script that deletes by the saved text and adds with bracketed targets', () => {
    const current = saved6.rules.filter((r) => r.comment === 'locker:demo:web:tcp6:*:8000:80:local');
    const { remove, add } = diffRules(current, portRules({ ...web, targetIp: 'fd42::8' }, tcp8000));
    expect(remove).toHaveLength(3);
    const output = remove.filter((r) => r.chain === 'LOCKER_OUTPUT');
    const prerouting = add.filter((r) => r.chain === 'LOCKER_PREROUTING');
    expect(renderRestore({ create: [], remove: output, append: prerouting, insert: [] })).toBe(
      '*nat\n' +
        '-D LOCKER_OUTPUT -p tcp -m tcp --dport 8000 -m comment --comment "locker:demo:web:tcp6:*:8000:80:local" -j DNAT --to-destination [fd42::5]:80\n' +
        '-A LOCKER_PREROUTING -p tcp -m tcp --dport 8000 -m comment --comment "locker:demo:web:tcp6:*:8000:80:local" -j DNAT --to-destination [fd42::8]:80\n' +
        'COMMIT\n',
    );
  });
});

describe('parseForwards on a captured ip6tables-save', () => {
  it('reads IPv6 forwards with their IPv6 target, next to the IPv4 ones', () => {
    const six = parseForwards('', sample6);
    expect(six).toEqual([
      { host: 'local', project: 'demo', container: 'db', protocol: 'tcp', hostPort: 5432, containerPort: 5432, ipv6: true, targetIp: 'fd42::6', complete: false },
      { host: 'local', project: 'demo', container: 'web', protocol: 'tcp', hostPort: 8000, containerPort: 80, ipv6: true, targetIp: 'fd42::5', complete: true },
      { host: 'local', project: 'demo', container: 'web', protocol: 'udp', hostIp: '2001:db8::1', hostPort: 5353, containerPort: 53, ipv6: true, targetIp: 'fd42::5', complete: true },
    ]);
    const both = parseForwards(sample4, sample6);
    expect(both).toHaveLength(6);
    expect(both.filter((f) => !f.ipv6)).toEqual(parseForwards(sample4));
    // One port of one container in both families: two forwards, IPv4 first.
    expect(both.filter((f) => f.container === 'web' && f.hostPort === 8000).map((f) => f.ipv6 ?? false)).toEqual([false, true]);
  });

  it('ignores foreign rules (another DNAT, an admin ACCEPT, a look-alike comment)', () => {
    expect(sample6).toContain('--to-destination [fd00:dead::2]:5000');
    expect(sample6).toContain('--comment "admin: allow ssh"');
    expect(sample6).toContain('--comment locker-notes');
    expect(parseForwards('', sample6).map((f) => f.hostPort)).toEqual([5432, 8000, 5353]);
  });

  it.each([
    ['the DNAT for other machines', '-A LOCKER_PREROUTING -p tcp -m tcp --dport 8000 '],
    ['the DNAT for the host', '-A LOCKER_OUTPUT -p tcp -m tcp --dport 8000 '],
    ['the ACCEPT', '-A LOCKER_FORWARD -d fd42::5/128 -p tcp '],
  ])('is incomplete without %s', (_name, line) => {
    const web6 = parseForwards('', without(sample6, line)).filter((f) => f.container === 'web');
    expect(web6.find((f) => f.protocol === 'tcp')).toMatchObject({ targetIp: 'fd42::5', complete: false });
    expect(web6.find((f) => f.protocol === 'udp')?.complete).toBe(true);
  });

  it('counts jumps per family: a missing IPv6 jump leaves the IPv4 forwards complete', () => {
    const both = parseForwards(sample4, without(sample6, '-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "locker:jump"'));
    expect(both.filter((f) => f.ipv6).every((f) => !f.complete)).toBe(true);
    expect(both.filter((f) => !f.ipv6).map((f) => f.complete)).toEqual(parseForwards(sample4).map((f) => f.complete));
  });

  it('sees an IPv6 tag found in the IPv4 tables, as an incomplete forward', () => {
    const stray = sample4.replace(
      '-A FORWARD -m comment --comment "locker:jump"',
      '-A FORWARD -p tcp -m tcp --dport 80 -m comment --comment "locker:demo:cache:tcp6:*:9000:80:local" -j ACCEPT\n-A FORWARD -m comment --comment "locker:jump"',
    );
    expect(parseForwards(stray).find((f) => f.container === 'cache')).toMatchObject({ ipv6: true, targetIp: '', complete: false });
  });

  it('reads addresses printed without /128 as the same address', () => {
    const text = sample6.replaceAll('-d fd42::5/128 ', '-d fd42::5 ');
    expect(text).not.toBe(sample6);
    expect(parseForwards('', text)).toEqual(parseForwards('', sample6));
  });
});

describe('IPv6 input checks', () => {
  const good = { ...web, targetIp: '10.0.3.5', targetIp6: 'fd42::5', ports: [tcp8000] };

  it('accept IPv6 ports with an IPv6 target, next to IPv4 ports of the same number', () => {
    expect(() => assertForwardInput({ ...good, ports: [tcp8000, { ...tcp8000, ipv6: undefined }, udp5353] })).not.toThrow();
  });

  it('refuse an IPv6 port without an IPv6 target, naming the port', () => {
    const e = thrown(() => assertForwardInput({ ...good, targetIp6: undefined }));
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toBe('port [::]:8000:80/tcp is an IPv6 forward, but web has no IPv6 address to forward it to');
    expect(e.hint).toMatch(/IPv6 address/);
  });

  it.each([
    ['a target that is not IPv6', { ...good, targetIp6: '10.0.3.5' }],
    ['the loopback target', { ...good, targetIp6: '::1' }],
    ['an IPv4-mapped target', { ...good, targetIp6: '::ffff:a00:305' }],
    ['a host address in another spelling', { ...good, ports: [{ ...udp5353, hostIp: '2001:DB8::1' }] }],
    ['`::` as host address', { ...good, ports: [{ ...udp5353, hostIp: '::' }] }],
    ['::1 as host address', { ...good, ports: [{ ...udp5353, hostIp: '::1' }] }],
    ['an IPv4 host address on an IPv6 port', { ...good, ports: [{ ...udp5353, hostIp: '192.168.2.1' }] }],
    ['an IPv6 host address on an IPv4 port', { ...good, ports: [{ ...udp5353, ipv6: undefined }] }],
    ['one IPv6 port twice', { ...good, ports: [tcp8000, { ...tcp8000, containerPort: 81 }] }],
    ['names too long for an IPv6 tag', { ...good, project: 'p'.repeat(100), container: 'c'.repeat(100) }],
  ])('refuse %s with HOST_PRECONDITION', (_name, input) => {
    expect(thrown(() => assertForwardInput(input)).code).toBe('HOST_PRECONDITION');
  });

  it('fit the longest names the naming rules allow, in both families', () => {
    expect(() => assertForwardInput({ ...good, project: 'p'.repeat(63), container: 'c'.repeat(63) })).not.toThrow();
    expect(() => assertForwardInput({ ...good, project: 'p'.repeat(63), container: 'c'.repeat(63), ports: [{ ...tcp8000, ipv6: undefined }] })).not.toThrow();
  });
});
