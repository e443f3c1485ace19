// src/rules: names of projects, containers and hosts, DNS names, and canonical JSON. Where layers used to
// disagree, the case says what each let through.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  describeLxcNameLength,
  isContainerName,
  isDnsName,
  isHostName,
  isProjectName,
  normaliseFqdn,
  stringifyCanonical,
  stringifyCanonicalCompact,
} from '../../src/rules/index.js';
import { loadSpec } from '../../src/spec/index.js';

describe('names', () => {
  it.each<[string, unknown, { project: boolean; container: boolean; host: boolean }]>([
    ['letters and digits', 'web1', { project: true, container: true, host: true }],
    ['a dash inside', 'my-web', { project: true, container: true, host: true }],
    // `<project>_<name>` must split back into its parts: no `_` or `.` in a container's short name.
    ['an underscore', 'my_web', { project: true, container: false, host: true }],
    ['a dot', 'web.example', { project: true, container: false, host: true }],
    ['starting with a dash', '-web', { project: false, container: false, host: false }],
    ['starting with a dot', '.web', { project: false, container: false, host: false }],
    // The spec took these host names and NATS refused them at `locker agent`: an empty subject token.
    ['a host ending with a dot', 'h1.', { project: true, container: false, host: false }],
    ['a host with an empty . part', 'h1..lan', { project: true, container: false, host: false }],
    ['63 characters', 'a'.repeat(63), { project: true, container: true, host: true }],
    // src/net and src/nats took any length; the spec 63 at most.
    ['64 characters', 'a'.repeat(64), { project: false, container: false, host: false }],
    ['a space', 'my web', { project: false, container: false, host: false }],
    ['a colon (the tag separator)', 'a:b', { project: false, container: false, host: false }],
    ['empty', '', { project: false, container: false, host: false }],
    ['not a string (a regex would take ["web"] as "web")', ['web'], { project: false, container: false, host: false }],
  ])('%s: %j', (_name, value, expected) => {
    expect({ project: isProjectName(value), container: isContainerName(value), host: isHostName(value) }).toEqual(expected);
  });

  it('LXC names (<project>_<name>) are at most 64 characters: the hostname a template writes', () => {
    expect(describeLxcNameLength('p'.repeat(30), 'c'.repeat(33))).toBeUndefined();
    expect(describeLxcNameLength('p'.repeat(30), 'c'.repeat(34))).toMatch(/is 65 characters long; LXC allows at most 64/);
  });
});

describe('DNS names', () => {
  it.each<[string, string, string | undefined]>([
    ['one label', 'db', 'db'],
    ['lowered', 'DB.Example.ORG', 'db.example.org'],
    ['a dash inside a label', 'my-db.example.org', 'my-db.example.org'],
    ['a label of 63', `${'a'.repeat(63)}.org`, `${'a'.repeat(63)}.org`],
    ['a label of 64', `${'a'.repeat(64)}.org`, undefined],
    ['253 characters', `${'a'.repeat(61)}.`.repeat(4) + 'a'.repeat(5), `${'a'.repeat(61)}.`.repeat(4) + 'a'.repeat(5)],
    ['254 characters', `${'a'.repeat(61)}.`.repeat(4) + 'a'.repeat(6), undefined],
    ['a label starting with a dash', '-db.org', undefined],
    ['a label ending with a dash', 'db-.org', undefined],
    ['a trailing dot', 'db.org.', undefined],
    ['an empty label', 'db..org', undefined],
    ['an underscore', 'my_db.org', undefined],
    ['empty', '', undefined],
  ])('%s', (_name, text, normalised) => {
    const parsed = normaliseFqdn(text);
    expect(parsed.ok ? parsed.value : undefined).toBe(normalised);
    // The agent's check takes either case (the planner sends the lowered form); the spec's lowers first.
    expect(isDnsName(text)).toBe(normalised !== undefined);
  });

  it('names the bad label', () => {
    expect(normaliseFqdn('db..org')).toMatchObject({ ok: false, message: 'invalid fqdn "db..org": an empty label' });
    expect(normaliseFqdn('my_db.org')).toMatchObject({ ok: false, message: 'invalid fqdn "my_db.org": label "my_db"' });
  });
});

describe('canonical JSON', () => {
  it.each<[string, unknown, string]>([
    ['keys sorted at every depth', { b: 1, a: { d: [1, 2], c: null } }, '{"a":{"c":null,"d":[1,2]},"b":1}'],
    ['undefined fields left out', { a: undefined, b: 1 }, '{"b":1}'],
    ['undefined in a list is null (as JSON.stringify)', [1, undefined], '[1,null]'],
    ['undefined alone is null', undefined, 'null'],
    ['key order of construction does not matter', { z: 1, y: { x: 2, w: 3 } }, '{"y":{"w":3,"x":2},"z":1}'],
  ])('%s', (_name, value, text) => {
    expect(stringifyCanonicalCompact(value)).toBe(text);
    expect(stringifyCanonical(value)).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it('leaves out the keys it is told to, at every depth', () => {
    expect(stringifyCanonicalCompact({ ref: 1, a: [{ ref: 2, b: 3 }] }, new Set(['ref']))).toBe('{"a":[{"b":3}]}');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, () => 1])('refuses %s rather than write it as something else', (value) => {
    expect(() => stringifyCanonicalCompact({ a: value })).toThrow(TypeError);
  });

  it('keeps the spec digest of before it was the one canonical JSON (saved plans stay fresh)', () => {
    // The spec loader had its own canonical JSON (dropping `ref`); this digest was computed with it.
    const text = readFileSync(new URL('../fixtures/specs/rules-digest.yml', import.meta.url), 'utf8');
    const desired = loadSpec({ text, file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    expect(desired.digest).toBe('e4f7ae7593b2b1441d68dbc20d2227e43fcd3a1d95a999e687475bce760b77a6');
  });
});
