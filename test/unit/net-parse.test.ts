import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseForwards } from '../../src/net/index.js';

const sample = readFileSync(new URL('../fixtures/iptables-save-sample.txt', import.meta.url), 'utf8');

/** The sample with every line containing `needle` removed (exactly one must match, so a typo fails loudly). */
function without(text: string, needle: string): string {
  const lines = text.split('\n');
  expect(lines.filter((l) => l.includes(needle))).toHaveLength(1);
  return lines.filter((l) => !l.includes(needle)).join('\n');
}

describe('parseForwards on a captured iptables-save', () => {
  it('groups the tagged rules per port, sorted by project, container, protocol, host port', () => {
    expect(parseForwards(sample)).toEqual([
      { host: 'local', project: 'demo', container: 'db', protocol: 'tcp', hostPort: 5432, containerPort: 5432, targetIp: '10.0.3.6', complete: false },
      { host: 'local', project: 'demo', container: 'web', protocol: 'tcp', hostPort: 8000, containerPort: 80, targetIp: '10.0.3.5', complete: true },
      {
        host: 'local',
        project: 'demo',
        container: 'web',
        protocol: 'udp',
        hostIp: '192.168.2.1',
        hostPort: 5353,
        containerPort: 53,
        targetIp: '10.0.3.5',
        complete: true,
      },
    ]);
  });

  it('ignores untagged and foreign rules (another tool DNAT, an admin FORWARD rule, a look-alike comment)', () => {
    // The sample holds them; make sure they are really there so this test cannot pass vacuously.
    expect(sample).toContain('-A DOCKER ! -i docker0 -p tcp -m tcp --dport 5000 -j DNAT');
    expect(sample).toContain('--comment "admin: allow ssh"');
    expect(sample).toContain('--comment locker-notes');
    const ports = parseForwards(sample).map((f) => f.hostPort);
    expect(ports).not.toContain(5000);
    expect(ports).not.toContain(22);
    expect(parseForwards(sample).filter((f) => f.hostPort === 8000)).toHaveLength(1);
  });

  it.each([
    ['the DNAT for other machines', '-A LOCKER_PREROUTING -p tcp -m tcp --dport 8000 '],
    ['the DNAT for the host itself', '-A LOCKER_OUTPUT -p tcp -m tcp --dport 8000 '],
    ['the MASQUERADE for loopback replies', '-A LOCKER_POSTROUTING -s 127.0.0.0/8 -d 10.0.3.5/32 -p tcp '],
    ['the ACCEPT', '-A LOCKER_FORWARD -d 10.0.3.5/32 -p tcp '],
  ])('is incomplete when %s is missing, and only that port is', (_name, line) => {
    const forwards = parseForwards(without(sample, line));
    const web = forwards.filter((f) => f.container === 'web');
    expect(web.find((f) => f.protocol === 'tcp')).toMatchObject({ hostPort: 8000, targetIp: '10.0.3.5', complete: false });
    expect(web.find((f) => f.protocol === 'udp')?.complete).toBe(true);
  });

  it('keeps the target when only the ACCEPT remains', () => {
    const text = [
      '-A LOCKER_PREROUTING -p tcp -m tcp --dport 8000 ',
      '-A LOCKER_OUTPUT -p tcp -m tcp --dport 8000 ',
      '-A LOCKER_POSTROUTING -s 127.0.0.0/8 -d 10.0.3.5/32 -p tcp ',
    ].reduce(without, sample);
    const tcp = parseForwards(text).find((f) => f.container === 'web' && f.protocol === 'tcp');
    expect(tcp).toMatchObject({ targetIp: '10.0.3.5', complete: false });
  });

  it('makes every forward incomplete when a jump from a built-in chain is missing', () => {
    const forwards = parseForwards(without(sample, '-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment "locker:jump"'));
    expect(forwards).toHaveLength(3);
    expect(forwards.every((f) => !f.complete)).toBe(true);
  });

  it('is incomplete when one DNAT points elsewhere than the others', () => {
    const text = sample.replace(
      '-A LOCKER_OUTPUT -p tcp -m tcp --dport 8000 -m comment --comment "locker:demo:web:tcp:*:8000:80:local" -j DNAT --to-destination 10.0.3.5:80',
      '-A LOCKER_OUTPUT -p tcp -m tcp --dport 8000 -m comment --comment "locker:demo:web:tcp:*:8000:80:local" -j DNAT --to-destination 10.0.3.99:80',
    );
    expect(text).not.toBe(sample);
    expect(parseForwards(text).find((f) => f.container === 'web' && f.protocol === 'tcp')?.complete).toBe(false);
  });

  it('is incomplete when a tagged rule carries a match Locker never writes', () => {
    const text = sample.replace(
      '-A LOCKER_FORWARD -d 10.0.3.5/32 -p tcp -m tcp --dport 80 ',
      '-A LOCKER_FORWARD -d 10.0.3.5/32 ! -i lxcbr0 -p tcp -m tcp --dport 80 ',
    );
    expect(text).not.toBe(sample);
    expect(parseForwards(text).find((f) => f.container === 'web' && f.protocol === 'tcp')?.complete).toBe(false);
  });

  it('reads addresses printed without a /32 mask as the same address', () => {
    const text = sample.replaceAll('-d 10.0.3.5/32 ', '-d 10.0.3.5 ');
    expect(text).not.toBe(sample);
    expect(parseForwards(text)).toEqual(parseForwards(sample));
  });

  it('ignores comments that look like tags but are not well formed', () => {
    const bad = [
      'locker:demo:web:sctp:*:9000:90:local',
      'locker:demo:web:tcp:*:70000:90:local',
      'locker:demo:web:tcp:*:0:90:local',
      'locker:demo:we b:tcp:*:9000:90:local',
      'locker:demo:web:tcp:*:9000',
      'other:demo:web:tcp:*:9000:90',
    ];
    const extra = bad.map((c) => `-A FORWARD -p tcp -m tcp --dport 9000 -m comment --comment "${c}" -j ACCEPT`);
    const text = sample.replace('-A FORWARD -m comment --comment "locker:jump"', `${extra.join('\n')}\n-A FORWARD -m comment --comment "locker:jump"`);
    expect(parseForwards(text)).toEqual(parseForwards(sample));
  });

  it('sees a tagged rule in any table, so nothing Locker owns is invisible', () => {
    const text = sample.replace(
      '-A PREROUTING -p udp -m udp --dport 53 -j MARK',
      '-A PREROUTING -p udp -m udp --dport 53 -m comment --comment "locker:demo:cache:udp:*:6000:60:local" -j MARK',
    );
    expect(parseForwards(text).find((f) => f.container === 'cache')).toEqual({
      host: 'local',
      project: 'demo',
      container: 'cache',
      protocol: 'udp',
      hostPort: 6000,
      containerPort: 60,
      targetIp: '',
      complete: false,
    });
  });

  it('finds nothing in an empty save or one without Locker rules', () => {
    expect(parseForwards('')).toEqual([]);
    const foreignOnly = sample
      .split('\n')
      .filter((l) => !l.includes('locker:'))
      .join('\n');
    expect(parseForwards(foreignOnly)).toEqual([]);
  });
});
