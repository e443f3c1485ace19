import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ForwardParams } from '../../plans/types.js';
import { jumpRules, portRules, renderArgs } from '../../src/net/forward-rules.js';
import { diffRules, missingChains, renderRestore } from '../../src/net/restore-script.js';
import { parseSave, tokenize } from '../../src/net/saved-rules.js';
import { formatForwardTag, parseForwardTag, ruleTag } from '../../src/net/tag.js';
import { assertForwardInput } from '../../src/net/validate.js';
import { thrown } from '../helpers/errors.js';

const sample = readFileSync(new URL('../fixtures/iptables-save-sample.txt', import.meta.url), 'utf8');
const saved = parseSave(sample);
const web = { host: 'local', project: 'demo', container: 'web', targetIp: '10.0.3.5' };
const tcp8000: ForwardParams = { protocol: 'tcp', hostPort: 8000, containerPort: 80 };
const udp5353: ForwardParams = { protocol: 'udp', hostIp: '192.168.2.1', hostPort: 5353, containerPort: 53 };

describe('rules as Locker writes them', () => {
  it('render exactly as iptables-save printed them, so a restore line and a saved line agree', () => {
    const rendered = [...jumpRules(), ...portRules(web, tcp8000), ...portRules(web, udp5353)].map(
      (r) => `-A ${r.chain} ${renderArgs(r)}`,
    );
    const lines = sample.split('\n');
    for (const line of rendered) expect(lines).toContain(line);
  });

  it('need no change when the host already has them', () => {
    const wanted = [...portRules(web, tcp8000), ...portRules(web, udp5353)];
    const current = saved.rules.filter((r) => r.comment?.startsWith(ruleTag('demo', 'web')));
    expect(current).toHaveLength(8);
    expect(diffRules(current, wanted)).toEqual({ remove: [], add: [] });
  });

  it('replace only the rules that differ when the target moves', () => {
    const current = saved.rules.filter((r) => r.comment?.startsWith(ruleTag('demo', 'web')));
    const { remove, add } = diffRules(current, [...portRules({ ...web, targetIp: '10.0.3.8' }, tcp8000), ...portRules(web, udp5353)]);
    expect(remove.map((r) => r.comment)).toEqual(Array(4).fill('locker:demo:web:tcp:*:8000:80:local'));
    expect(add).toHaveLength(4);
    expect(add.every((r) => r.destination === '10.0.3.8/32' || r.toDestination === '10.0.3.8:80')).toBe(true);
  });

  it('drop a duplicate of a rule that is otherwise wanted', () => {
    const line = sample.split('\n').find((l) => l.startsWith('-A LOCKER_FORWARD -d 10.0.3.5/32 -p tcp'));
    expect(line).toBeDefined();
    const doubled = parseSave(sample.replace(line!, `${line}\n${line}`));
    const current = doubled.rules.filter((r) => r.comment?.startsWith(ruleTag('demo', 'web')));
    const { remove, add } = diffRules(current, [...portRules(web, tcp8000), ...portRules(web, udp5353)]);
    expect(remove.map((r) => r.line)).toEqual([line]);
    expect(add).toEqual([]);
  });
});

describe('the restore script', () => {
  it('deletes by the exact saved text and adds in save format, one COMMIT per table', () => {
    const dnat = saved.rules.find((r) => r.chain === 'LOCKER_PREROUTING' && r.comment === 'locker:demo:web:tcp:*:8000:80:local');
    expect(dnat).toBeDefined();
    const script = renderRestore({ create: [], remove: [dnat!], append: portRules(web, tcp8000).slice(3), insert: [] });
    expect(script).toBe(
      '*nat\n' +
        '-D LOCKER_PREROUTING -p tcp -m tcp --dport 8000 -m comment --comment "locker:demo:web:tcp:*:8000:80:local" -j DNAT --to-destination 10.0.3.5:80\n' +
        'COMMIT\n' +
        '*filter\n' +
        '-A LOCKER_FORWARD -d 10.0.3.5/32 -p tcp -m tcp --dport 80 -m comment --comment "locker:demo:web:tcp:*:8000:80:local" -j ACCEPT\n' +
        'COMMIT\n',
    );
    expect(script.match(/^COMMIT$/gm)).toHaveLength(2);
  });

  it('creates missing chains with -N, never with a chain declaration that would flush an existing chain', () => {
    const bare = parseSave('*nat\n:PREROUTING ACCEPT [0:0]\n:LOCKER_OUTPUT - [0:0]\nCOMMIT\n');
    const create = missingChains(bare);
    expect(create).toEqual([
      { table: 'nat', chain: 'LOCKER_PREROUTING' },
      { table: 'nat', chain: 'LOCKER_POSTROUTING' },
      { table: 'filter', chain: 'LOCKER_FORWARD' },
    ]);
    const script = renderRestore({ create, remove: [], append: [], insert: jumpRules() });
    expect(script).not.toMatch(/^:/m);
    expect(script).toContain('-N LOCKER_PREROUTING\n');
    expect(script).toContain('-I PREROUTING 1 -m addrtype --dst-type LOCAL -m comment --comment "locker:jump" -j LOCKER_PREROUTING');
    expect(missingChains(saved)).toEqual([]);
  });

  it('is empty when nothing changes', () => {
    expect(renderRestore({ create: [], remove: [], append: [], insert: [] })).toBe('');
  });
});

describe('tags', () => {
  it('round-trip through the comment text', () => {
    const tag = { host: 'local', project: 'demo', container: 'web', ...udp5353 };
    expect(formatForwardTag(tag)).toBe('locker:demo:web:udp:192.168.2.1:5353:53:local');
    expect(parseForwardTag(formatForwardTag(tag))).toEqual(tag);
  });

  it('end a project prefix with a colon so demo never matches demo2', () => {
    expect(ruleTag('demo')).toBe('locker:demo:');
    expect('locker:demo2:web:tcp:*:1:1:local'.startsWith(ruleTag('demo'))).toBe(false);
    expect(ruleTag('demo', 'web')).toBe('locker:demo:web:');
  });

  it('tokenize quoted comments with spaces and escapes like iptables-restore', () => {
    expect(tokenize('-A FORWARD -m comment --comment "admin: \\"ssh\\" rule" -j ACCEPT')).toEqual([
      '-A', 'FORWARD', '-m', 'comment', '--comment', 'admin: "ssh" rule', '-j', 'ACCEPT',
    ]);
  });
});

describe('input checks', () => {
  const good = { ...web, ports: [tcp8000] };
  it.each([
    ['a project name with a space', { ...good, project: 'de mo' }],
    ['a container name with a quote', { ...good, container: 'we"b' }],
    ['a container name with a colon', { ...good, container: 'we:b' }],
    ['an IPv6 target', { ...good, targetIp: 'fd00::5' }],
    ['a target octet over 255', { ...good, targetIp: '10.0.3.256' }],
    ['port 0', { ...good, ports: [{ ...tcp8000, hostPort: 0 }] }],
    ['port 65536', { ...good, ports: [{ ...tcp8000, containerPort: 65536 }] }],
    ['a fractional port', { ...good, ports: [{ ...tcp8000, hostPort: 80.5 }] }],
    ['an IPv6 host address', { ...good, ports: [{ ...tcp8000, hostIp: '::1' }] }],
    ['an unknown protocol', { ...good, ports: [{ ...tcp8000, protocol: 'sctp' as 'tcp' }] }],
    ['a host port listed twice', { ...good, ports: [tcp8000, { ...tcp8000, containerPort: 81 }] }],
    ['names too long for a comment', { ...good, project: 'p'.repeat(120), container: 'c'.repeat(120) }],
  ])('refuse %s with HOST_PRECONDITION', (_name, input) => {
    expect(thrown(() => assertForwardInput(input)).code).toBe('HOST_PRECONDITION');
  });

  it('accept a valid request, including the same port on tcp and udp', () => {
    expect(() => assertForwardInput({ ...good, ports: [tcp8000, { ...tcp8000, protocol: 'udp' }, udp5353] })).not.toThrow();
  });
});
