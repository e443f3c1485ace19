// Runs the CLI's CommonJS bundle with V8's code cache: the bytecode of the functions a command ran, saved after its
// first run, so the next start deserializes them instead of parsing ~1.4 MB of JavaScript and compiling each function
// again (the most of what a short command like `plan` costs after Node's own start-up). Node 22 does this itself
// (module.enableCompileCache); Node 20 has no such API, so the bundle is compiled here as Node's loader would, through
// vm.Script with cachedData. CommonJS (.cts), because bin/locker requires it before anything else is loaded.
//
// Never trusted blindly: V8 rejects a cache of another V8 version, other flags or source length (then the script
// compiles from source and the cache is written again); the file name carries the bundle's size and mtime, and bin/build
// empties the bundle's folder, so a cache never meets a bundle it was not made from. A cache that cannot be read or
// written (a read-only install) only costs the time it would have saved.

import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Script } from 'node:vm';

export interface CachedModule {
  exports: Record<string, unknown>;
  /** Whether the code cache was used (false: none yet, or V8 rejected it). */
  cacheUsed: boolean;
  /**
   * After the command, with its exit code: writes the code cache (every function compiled so far) unless it was used
   * or the command failed (a failed first run, a spec error say, ran little of the command's code). Never throws.
   */
  save(exitCode: number | string | undefined): void;
}

/** The CLI's commands (src/cli/args.ts COMMANDS, which a unit test compares): each has a code cache of its own. */
export const CACHED_COMMANDS = [
  'validate', 'plan', 'apply', 'up', 'down', 'status',
  'create', 'start', 'stop', 'restart', 'rm', 'ports', 'rmports', 'freeze', 'unfreeze', 'exec',
  'runs', 'show', 'retry', 'resume', 'unlock', 'agent', 'hosts', 'nats-config', 'help', 'version',
];

/**
 * Which code cache a command line uses: commands run different code, and each command's cache holds the functions of
 * its first successful run. Without parsing the options (that code is in the bundle, not loaded yet): the first word
 * that is a command; `help` and `version` when asked by option; anything else shares the cache `other`.
 */
export function cacheKeyOf(argv: readonly string[]): string {
  if (argv.some((arg) => arg === '-h' || arg === '--help')) return 'help';
  if (argv.includes('--version')) return 'version';
  return argv.find((arg) => CACHED_COMMANDS.includes(arg)) ?? 'other';
}

/**
 * The cache file of one bundle for one key: named after the bundle it was made from (its size and mtime), and after
 * Node's options when there are any (`node --max-old-space-size=… bin/locker`, NODE_OPTIONS): V8 rejects a cache made
 * under other flags, so runs with and without them would otherwise rewrite one file in turn.
 */
export function cacheFileFor(file: string, key: string, nodeOptions = [...process.execArgv, process.env.NODE_OPTIONS ?? '']): string {
  const { size, mtimeMs } = statSync(file);
  const options = nodeOptions.join(' ').trim();
  const flavour = options === '' ? '' : `-${fnv1a(options)}`;
  return path.join(path.dirname(file), 'code-cache', `${key}-${size}-${Math.trunc(mtimeMs)}${flavour}.v8`);
}

/** A short name for a string (32-bit FNV-1a, hex): enough to tell option sets apart, not a digest. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

/** The CLI's exit code of an error or a failed run (0: success; 2: `plan` has changes). */
const FAILED = 1;

/** Loads a CommonJS file as Node's loader would (its own module, exports and require), with the code cache. */
export function loadWithCodeCache(file: string, cacheFile: string): CachedModule {
  const source = readFileSync(file, 'utf8');
  const cachedData = readIfExists(cacheFile);
  // Node's own CommonJS wrapper: the bundle sees exports, require, module, __filename and __dirname.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const cacheUsed = cachedData !== undefined && !script.cachedDataRejected;
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    cacheUsed,
    save: (exitCode) => {
      if (!cacheUsed && (exitCode === undefined || Number(exitCode) !== FAILED)) writeAtomically(cacheFile, script.createCachedData());
    },
  };
}

function readIfExists(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Another process running the same command may write the same file: each writes its own, then renames. */
function writeAtomically(file: string, data: Buffer): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(temporary, data);
    renameSync(temporary, file);
  } catch {
    // A read-only install, a full disk: the next start compiles from source, as without the cache.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // no folder to write in: nothing was written
    }
  }
}
