// The code cache loader bin/locker starts the bundle with (src/cli/code-cache.cts, built to dist/src/cli/code-cache.cjs):
// each load runs in a fresh node process, as each start of locker does, since V8 keeps compiled scripts per process.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/args.js';

const LOADER = fileURLToPath(new URL('../../dist/src/cli/code-cache.cjs', import.meta.url));
const { CACHED_COMMANDS, cacheFileFor, cacheKeyOf } = createRequire(import.meta.url)(LOADER) as {
  CACHED_COMMANDS: string[];
  cacheFileFor(file: string, key: string, nodeOptions?: string[]): string;
  cacheKeyOf(argv: string[]): string;
};

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

/**
 * Loads `file` in a fresh node with the cache `cacheFile`, calls its `run()`, then saves the cache with the command's
 * exit code: what bin/locker does.
 */
function load(file: string, cacheFile: string, exitCode = 0): Load {
  const script = `
    const { loadWithCodeCache } = require(${JSON.stringify(LOADER)});
    const m = loadWithCodeCache(process.argv[1], process.argv[2]);
    const exports = m.exports.run();
    m.save(Number(process.argv[3]));
    console.log(JSON.stringify({ cacheUsed: m.cacheUsed, exports }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script, file, cacheFile, String(exitCode)], { encoding: 'utf8' })) as Load;
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

  it('saves no cache after a failed command (its first run may have run little of the command), and one after a success', () => {
    const file = path.join(dir, 'bundle.cjs');
    writeFileSync(file, MODULE);
    const cache = path.join(dir, 'run.v8');
    load(file, cache, 1);
    expect(existsSync(cache)).toBe(false);
    load(file, cache, 2); // `plan` with changes
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

describe('cacheKeyOf', () => {
  it('knows every command of the CLI', () => {
    expect(CACHED_COMMANDS).toEqual([...COMMANDS]);
  });

  it.each([
    [['plan'], 'plan'],
    [['-f', 'spec.yml', '-P', '/tmp/x', 'up', 'web'], 'up'],
    [['nats-config', '--host', 'a,b'], 'nats-config'],
    [['plan', '--help'], 'help'],
    [['-h'], 'help'],
    [['--version'], 'version'],
    [[], 'other'],
    [['frobnicate'], 'other'],
    [['-f', 'x.yml'], 'other'],
  ])('%j uses the cache %s', (argv, key) => {
    expect(cacheKeyOf(argv)).toBe(key);
  });
});

describe('cacheFileFor', () => {
  it('names the cache after its key and the bundle it was made from', () => {
    const file = path.join(dir, 'locker.cjs');
    writeFileSync(file, MODULE);
    const when = new Date('2026-11-30T00:00:00Z');
    utimesSync(file, when, when);
    const name = `${MODULE.length}-${when.getTime()}.v8`;
    expect(cacheFileFor(file, 'plan', [])).toBe(path.join(dir, 'code-cache', `plan-${name}`));
    expect(cacheFileFor(file, 'nats-config', ['', ''])).toBe(path.join(dir, 'code-cache', `nats-config-${name}`));
    // Node's options (V8 rejects a cache made under other flags): a cache of their own.
    const flagged = cacheFileFor(file, 'plan', ['--max-old-space-size=4096', '']);
    expect(flagged).toMatch(new RegExp(`/plan-${MODULE.length}-${when.getTime()}-[0-9a-f]{8}\\.v8$`));
    expect(cacheFileFor(file, 'plan', ['', '--max-old-space-size=4096'])).toBe(flagged);
    expect(cacheFileFor(file, 'plan', ['--trace-gc', ''])).not.toBe(flagged);

    // Another bundle (another build, even of the same length) has other caches.
    const later = new Date('2026-11-30T01:00:00Z');
    utimesSync(file, later, later);
    expect(cacheFileFor(file, 'plan', [])).toBe(path.join(dir, 'code-cache', `plan-${MODULE.length}-${later.getTime()}.v8`));
  });
});
