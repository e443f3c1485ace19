// The pure core (spec, planner, machines, the fold of events) takes data and returns data:
// it imports no I/O (no node:fs, no execa, no nats) and reaches only other pure modules.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Pure files: every .ts of these folders, minus the named I/O files of src/events. */
const PURE_DIRS = ['src/rules', 'src/spec', 'plans', 'machines', 'src/events'];
const IO_FILES = new Set([
  'src/events/file-store.ts',
  'src/events/read-log-file.ts',
  'src/events/jetstream-store.ts',
  'src/events/jetstream-read.ts',
  'src/events/index.ts',
]);
const ALLOWED_PACKAGES = new Set(['node:path', 'node:crypto', 'yaml', 'zod', 'xstate']);
const PURE_TARGETS = [/^src\/errors\.ts$/, /^src\/transport\/types\.ts$/, ...PURE_DIRS.map((d) => new RegExp(`^${d}/`))];

const files = PURE_DIRS.flatMap((dir) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`),
).filter((f) => !IO_FILES.has(f));

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

describe('the pure core', () => {
  it.each(files)('%s imports no I/O', (file) => {
    const specifiers = importsOf(file);
    const packages = specifiers.filter((s) => !s.startsWith('.') && !ALLOWED_PACKAGES.has(s));
    expect(packages).toEqual([]);
    const impure = specifiers
      .filter((s) => s.startsWith('.'))
      .map((s) => path.posix.join(path.posix.dirname(file), s).replace(/\.js$/, '.ts'))
      .filter((target) => IO_FILES.has(target) || !PURE_TARGETS.some((re) => re.test(target)));
    expect(impure).toEqual([]);
  });

  it.each(files.filter((f) => f.startsWith('src/rules/')))('%s reaches nothing outside src/rules (every layer imports it, it imports no layer)', (file) => {
    expect(importsOf(file).filter((s) => !/^\.\/[a-z0-9-]+\.js$/.test(s))).toEqual([]);
  });

  it.each(['src/rules', 'src/spec', 'plans', 'machines', 'src/events', 'agents', 'src/lxc', 'src/net', 'src/transport', 'src/apply', 'src/lock'])(
    '%s/index.ts opens with what the module is and what it must never do',
    (dir) => {
      const [first, second] = readFileSync(path.join(ROOT, dir, 'index.ts'), 'utf8').split('\n');
      expect(first).toMatch(/^\/\/ \S/);
      expect(second).toMatch(/^\/\/ .*(never|not|only)/i);
    },
  );
});
