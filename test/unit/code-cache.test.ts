// The code cache loader bin/locker starts the bundle with (src/cli/code-cache.cts, built to dist/src/cli/code-cache.cjs):
// each load runs in a fresh node process, as each start of locker does, since V8 keeps compiled scripts per process.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const LOADER = fileURLToPath(new URL('../../dist/src/cli/code-cache.cjs', import.meta.url));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync('/tmp/locker-code-cache-');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface Load {
  cacheUsed: boolean;
  exports: unknown;
}

/** Loads `file` in a fresh node with the cache `cacheFile`, calls its `run()`, saves the cache: what bin/locker does. */
function load(file: string, cacheFile: string): Load {
  const script = `
    const { loadWithCodeCache } = require(${JSON.stringify(LOADER)});
    const m = loadWithCodeCache(process.argv[1], process.argv[2]);
    const exports = m.exports.run();
    m.save();
    console.log(JSON.stringify({ cacheUsed: m.cacheUsed, exports }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, file, cacheFile], { encoding: 'utf8' })) as Load;
}

function cacheFileFor(file: string, key: string | undefined): string {
  const script = `console.log(require(${JSON.stringify(LOADER)}).cacheFileFor(process.argv[1], process.argv[2] || undefined))`;
  return execFileSync(process.execPath, ['-e', script, file, key ?? ''], { encoding: 'utf8' }).trim();
}

const MODULE = `
  const path = require('node:path');
  function add(a, b) { return a + b; }
  exports.run = () => ({ sum: add(2, 3), file: path.basename(__filename), dir: __dirname, isModule: module.exports === exports });
`;

describe('loadWithCodeCache', () => {
  it('runs a CommonJS file as Node would, then starts it from the cache it saved', () => {
    const file = path.join(dir, 'bundle.cjs');
    writeFileSync(file, MODULE);
    const cache = path.join(dir, 'cache/run.v8');
    const first = load(file, cache);
    expect(first).toEqual({ cacheUsed: false, exports: { sum: 5, file: 'bundle.cjs', dir, isModule: true } });
    expect(readFileSync(cache).length).toBeGreaterThan(0);
    expect(load(file, cache)).toEqual({ ...first, cacheUsed: true });
  });

  it('compiles from source when V8 rejects the cache, and replaces it', () => {
    const file = path.join(dir, 'bundle.cjs');
    writeFileSync(file, MODULE);
    const cache = path.join(dir, 'run.v8');
    writeFileSync(cache, 'not a code cache');
    expect(load(file, cache).cacheUsed).toBe(false);
    expect(load(file, cache).cacheUsed).toBe(true);
  });

  it('runs without a cache it cannot write (a read-only install)', () => {
    const file = path.join(dir, 'bundle.cjs');
    writeFileSync(file, MODULE);
    const cache = path.join(dir, 'bundle.cjs', 'cache.v8'); // under a file: no folder can be made there
    expect(load(file, cache)).toMatchObject({ cacheUsed: false, exports: { sum: 5 } });
    expect(load(file, cache).cacheUsed).toBe(false);
  });
});

describe('cacheFileFor', () => {
  it('names the cache after the command and the bundle it was made from', () => {
    const file = path.join(dir, 'locker.cjs');
    writeFileSync(file, MODULE);
    const when = new Date('2026-11-30T00:00:00Z');
    utimesSync(file, when, when);
    const name = `${MODULE.length}-${when.getTime()}.v8`;
    expect(cacheFileFor(file, 'plan')).toBe(path.join(dir, 'code-cache', `plan-${name}`));
    expect(cacheFileFor(file, 'nats-config')).toBe(path.join(dir, 'code-cache', `nats-config-${name}`));
    // Not a command word (a project name, a path): one shared cache.
    for (const key of [undefined, '../x', 'Plan', 'a'.repeat(30)]) expect(cacheFileFor(file, key)).toBe(path.join(dir, 'code-cache', `other-${name}`));

    // Another bundle (another build, even of the same length) has other caches.
    const later = new Date('2026-11-30T01:00:00Z');
    utimesSync(file, later, later);
    expect(cacheFileFor(file, 'plan')).toBe(path.join(dir, 'code-cache', `plan-${MODULE.length}-${later.getTime()}.v8`));
  });
});
