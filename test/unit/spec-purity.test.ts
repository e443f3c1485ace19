// src/spec is part of the pure core: it may hash and join paths, never touch the world.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../src/spec');
const ALLOWED = new Set(['node:path', 'node:crypto', 'yaml', 'zod']);

describe('src/spec purity', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only pure modules', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
    const outside = specifiers.filter((s) => !s.startsWith('./') && s !== '../errors.js' && !ALLOWED.has(s));
    expect(outside).toEqual([]);
  });

  it('opens index.ts with what the module is and what it must never do', () => {
    const [first, second] = readFileSync(join(dir, 'index.ts'), 'utf8').split('\n');
    expect(first).toMatch(/^\/\/ The spec loader/);
    expect(second).toMatch(/^\/\/ .*never/);
  });
});
