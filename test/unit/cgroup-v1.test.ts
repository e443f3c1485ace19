// The cgroup v1 -> v2 table the README shows is the one the code applies, row for row.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { V1_REFUSALS, V1_TRANSLATIONS } from '../../src/rules/cgroup-v1.js';

const README = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');

describe('the README\'s cgroup v1 -> v2 table', () => {
  it('lists every translation as the code makes it', () => {
    const start = README.indexOf('| cgroup v1 | cgroup v2 | how |');
    expect(start).toBeGreaterThan(0);
    const rows = README.slice(start)
      .split('\n')
      .slice(2)
      .filter((_, i, all) => all.slice(0, i + 1).every((l) => l.startsWith('|')))
      .map((l) => l.split(' | ').map((c) => c.replace(/^\| |`| \|$/g, '')));
    expect(rows).toEqual(V1_TRANSLATIONS.map((t) => [t.v1, t.v2, t.how]));
  });

  it('names every refused v1 setting', () => {
    const text = README.slice(README.indexOf('Refused, each with what to do instead'));
    for (const r of V1_REFUSALS) expect(text.slice(0, 1200)).toContain(`\`${r.v1}\``);
  });
});
