import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PLANS = fileURLToPath(new URL('../../plans/', import.meta.url));
const ALLOWED = new Set(['node:crypto', 'node:path', 'zod']);

describe('plans/ stays pure', () => {
  const files = readdirSync(PLANS).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports no I/O', (file) => {
    const text = readFileSync(`${PLANS}${file}`, 'utf8');
    const specifiers = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string);
    const outside = specifiers.filter((s) => !s.startsWith('.') && !ALLOWED.has(s));
    expect(outside).toEqual([]);
    const reachedOut = specifiers.filter((s) => s.startsWith('../') && !/^\.\.\/src\/(errors|spec\/types)\.js$/.test(s));
    expect(reachedOut).toEqual([]);
  });
});
