// Each limit of the spec loader has its own clear error, raised before the work it bounds; and the
// YAML that would silently change meaning as plain data (JavaScript-level duplicate keys, list keys,
// bad merges) is refused where it is written.

import { describe, expect, it } from 'vitest';
import { loadSpec, type LoadSpecInput } from '../../src/spec/index.js';
import { SPEC_LIMITS, utf8Length } from '../../src/spec/limits.js';
import { thrown } from '../helpers/errors.js';

function fail(text: string, extra: Partial<LoadSpecInput> = {}) {
  const started = performance.now();
  const e = thrown(() => loadSpec({ text, file: 'locker.yml', project: 'demo', specDir: '/srv/demo', ...extra }));
  return { ...e.toJSON(), ms: performance.now() - started };
}

const WEB = 'web:\n  template: busybox\n';

describe('size limits', () => {
  it('refuses a file over 1 MiB before parsing it, at line 1 col 1', () => {
    const text = WEB + `# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const e = fail(text);
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toBe(`spec is ${utf8Length(text)} bytes; the limit is 1 MiB (1048576 bytes)`);
    expect(e.location).toEqual({ file: 'locker.yml', line: 1, col: 1 });
  });

  it('counts bytes, not characters', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    const text = `# ${'é'.repeat(600_000)}\n${WEB}`; // 600,000 characters, 1.2 MB
    expect(fail(text).message).toMatch(new RegExp(`^spec is ${2 + 1_200_000 + 1 + WEB.length} bytes; the limit is 1 MiB`));
  });

  it('refuses an alias bomb (billion laughs) with its own message, at the first alias', () => {
    let bomb = 'x0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n';
    for (let i = 1; i < 9; i++) bomb += `x${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]\n`;
    const e = fail(bomb);
    expect(e.message).toBe(`YAML aliases expand too much: an anchor's content would be copied more than ${SPEC_LIMITS.aliasExpansions} times`);
    expect(e.location).toEqual({ file: 'locker.yml', line: 2, col: 10 }); // the first alias, *a0
    expect(e.hint).toMatch(/defaults:/);
    expect(e.ms).toBeLessThan(2000); // a hang guard, not a benchmark
  });

  it('refuses an alias inside its own anchor (a cycle) as too deep, instead of recursing forever', () => {
    const e = fail('web: &w\n  template: busybox\n  x: *w\n');
    expect(e.message).toMatch(/^the spec nests more than 32 levels of maps and lists once its aliases are expanded$/);
    expect(e.location?.path).toMatch(/^web\.x\.x\.x/);
  });

  it.each([
    ['flow lists', `web: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, 1],
    ['flow maps', `web: ${'{a: '.repeat(50_000)}1${'}'.repeat(50_000)}\n`, 1],
    ['block maps', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'), 33],
    ['block lists', Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}-`).join('\n'), 32],
  ])('refuses deep nesting of %s before the parser recurses', (_what, text, line) => {
    const e = fail(text);
    expect(e.message).toBe('the spec nests more than 32 levels of maps and lists');
    expect(e.location?.line).toBe(line);
    expect(e.ms).toBeLessThan(2000);
  });

  it('does not count brackets in quotes, comments or block scalars as nesting', () => {
    const text = `web:\n  template: busybox\n  fqdn: "${'['.repeat(100)}"\n  # ${'{'.repeat(100)}\n`;
    expect(fail(text).message).toMatch(/^invalid fqdn/);
  });

  it('refuses more containers than the limit, at the first one over it', () => {
    const text = Array.from({ length: SPEC_LIMITS.containers + 1 }, (_, i) => `c${i}: {template: busybox}`).join('\n');
    const e = fail(text);
    expect(e.message).toBe(`the spec has ${SPEC_LIMITS.containers + 1} containers; the limit is ${SPEC_LIMITS.containers}`);
    expect(e.location).toMatchObject({ line: SPEC_LIMITS.containers + 1, col: 1, path: `c${SPEC_LIMITS.containers}` });
  });

  it('refuses a 100 kB value and an overlong key, each where it is', () => {
    const value = fail(`web:\n  template: busybox\n  fqdn: ${'a'.repeat(100_000)}\n`);
    expect(value.message).toBe('this value is 100000 characters long; the limit is 4096');
    expect(value.location).toMatchObject({ line: 3, col: 9, path: 'web.fqdn' });
    const key = fail(`web:\n  template: busybox\n  ${'k'.repeat(300)}: 1\n`);
    expect(key.message).toBe('this key is 300 characters long; the limit is 253');
    expect(key.location).toMatchObject({ line: 3, col: 3, path: 'web' });
  });
});

describe('YAML that would change meaning as plain data', () => {
  it.each([
    ['a number and a string that are one key in JavaScript', '1: {template: busybox}\n"1": {template: busybox}\n', /^duplicate key "1"$/, 2, 1],
    ['null and the empty string', '? null\n: {template: busybox}\n"": {template: busybox}\n', /^duplicate key ""$/, 3, 1],
    ['a duplicate after an empty value', 'db:\ndb:\n  template: busybox\n', /^duplicate key "db"$/, 2, 1],
    ['a list as a key', '? [a, b]\n: {template: busybox}\n', /^a key is a list or a map$/, 1, 3],
    ['a merge of a number', 'web: {template: busybox, <<: 42}\n', /^`<<` merges maps/, 1, 30],
    ['a merge of an unknown alias', 'web:\n  template: busybox\n  <<: *nope\n', /^`<<` merges maps/, 3, 7],
    ['a merge list with a scalar', 'base: &b {template: busybox}\nweb:\n  <<: [*b, x]\n', /^`<<` merges maps/, 3, 12],
    ['two documents', `${WEB}---\n${WEB}`, /^the spec holds several YAML documents$/, 3, 1],
  ])('refuses %s', (_what, text, message, line, col) => {
    const e = fail(text);
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ line, col });
  });

  it('still merges maps with <<', () => {
    const state = loadSpec({ text: 'base: &b {template: busybox}\nweb:\n  <<: *b\n  fqdn: web.test\n', file: 'locker.yml', project: 'demo', specDir: '/srv' });
    // `base` is a container too in the first format: the merge copied its template into web.
    expect(state.containers.map((c) => [c.name, c.source.kind])).toEqual([['base', 'template'], ['web', 'template']]);
  });
});
