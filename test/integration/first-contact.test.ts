// The two first-contact commands (bin/demo, bin/test) set up only what is missing, through bin/ready and bin/build.
// Each test runs the real scripts in a throwaway checkout under /tmp whose npm, tsc and vitest are stand-ins that
// record how they were called: what is asserted is which steps run, when, and with which arguments. The host step
// is the real `bin/setup-host --check` (read-only here: requireTools() has made the host ready first).

import { execa } from 'execa';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requireTools } from '../helpers/lxc-env.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPTS = ['bin/ready', 'bin/build', 'bin/test', 'bin/setup-host', 'test/failure-summary.mjs', '.ci/run'];

// Stand-ins. Each appends one JSON line (its name and arguments) to calls.log in the checkout.
const record = (name: string) =>
  `const fs = require('node:fs'); fs.appendFileSync('calls.log', JSON.stringify([${JSON.stringify(name)}, ...process.argv.slice(2)]) + '\\n');`;
const FAKE_TSC = `${record('tsc')}\nfs.mkdirSync('dist/src/cli', { recursive: true }); fs.writeFileSync('dist/src/cli/main.js', '');\n`;
// rolldown's CLI is an ES module (cli.mjs): its stand-in gets a require first.
const FAKE_ROLLDOWN = `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${record('rolldown')}\nfs.mkdirSync('dist/bundle', { recursive: true }); fs.writeFileSync('dist/bundle/locker.cjs', '');\n`;
// npm ci: installs (writes npm's hidden lockfile and the stand-ins of tsc and rolldown), then runs the prepare script as
// npm does.
const FAKE_NPM = `#!/usr/bin/env node\n${record('npm')}
fs.mkdirSync('node_modules/typescript/bin', { recursive: true });
fs.writeFileSync('node_modules/typescript/bin/tsc', ${JSON.stringify(FAKE_TSC)});
fs.mkdirSync('node_modules/rolldown/bin', { recursive: true });
fs.writeFileSync('node_modules/rolldown/bin/cli.mjs', ${JSON.stringify(FAKE_ROLLDOWN)});
fs.writeFileSync('node_modules/.package-lock.json', '{}');
require('node:child_process').execFileSync('bin/build', { stdio: 'inherit' });
`;
// vitest: with --outputFile, a JSON report of one failed and two passed tests, and exit 1 as vitest does.
const FAKE_VITEST = `#!/usr/bin/env node\n${record('vitest')}
const out = process.argv.find((a) => a.startsWith('--outputFile='));
if (out) {
  fs.writeFileSync(out.slice('--outputFile='.length), JSON.stringify({
    numPassedTests: 2, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0,
    testResults: [{ name: process.cwd() + '/test/unit/a.test.ts', status: 'failed', message: '', assertionResults: [
      { status: 'failed', fullName: 'a adds', duration: 3, failureMessages: ['AssertionError: expected 3 to be 4\\n    at a.test.ts:1:1'] },
    ] }],
  }));
  process.exit(1);
}
`;

/** How bin/build calls rolldown: tsc's output bundled into one CommonJS file (the bundle bin/locker runs). */
const BUNDLE = ['rolldown', 'dist/src/cli/main.js', '--platform', 'node', '--format', 'cjs', '--no-codeSplitting', '--dir', 'dist/bundle', '--entryFileNames', 'locker.cjs', '--cleanDir', '--charset', 'ascii', '--no-comments', '--logLevel', 'warn'];

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

beforeAll(async () => {
  await requireTools();
});

/** A checkout with sources, a lock file and the scripts; `installed`: npm ci has run; `built`: so has bin/build. */
async function checkout(state: { installed: boolean; built: boolean }): Promise<string> {
  dir = await mkdtemp('/tmp/locker-first-contact-');
  for (const f of SCRIPTS) await cp(path.join(REPO, f), path.join(dir, f), { preserveTimestamps: false });
  await mkdir(path.join(dir, 'src'));
  await mkdir(path.join(dir, 'fakebin'));
  for (const d of ['machines', 'plans', 'agents', 'bench']) await mkdir(path.join(dir, d));
  await writeFile(path.join(dir, 'src/a.ts'), 'export const a = 1;\n');
  await writeFile(path.join(dir, 'tsconfig.json'), '{}\n');
  await writeFile(path.join(dir, 'package.json'), '{}\n');
  await writeFile(path.join(dir, 'package-lock.json'), '{}\n');
  await writeFile(path.join(dir, 'fakebin/npm'), FAKE_NPM);
  await chmod(path.join(dir, 'fakebin/npm'), 0o755);
  if (state.installed) {
    await execa('fakebin/npm', ['ci'], { cwd: dir });
    await mkdir(path.join(dir, 'node_modules/.bin'));
    await writeFile(path.join(dir, 'node_modules/.bin/vitest'), FAKE_VITEST);
    await chmod(path.join(dir, 'node_modules/.bin/vitest'), 0o755);
    if (!state.built) await rm(path.join(dir, 'dist'), { recursive: true });
    // Everything set up so far is from an hour ago: what a test touches afterwards is newer, without waiting.
    await age(['bin/build', 'src/a.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'], 3600);
    if (state.built) await age(['dist/.built'], 1800);
  }
  await writeFile(path.join(dir, 'calls.log'), '');
  return dir;
}

async function age(files: string[], seconds: number): Promise<void> {
  const t = new Date(Date.now() - seconds * 1000);
  for (const f of files) await utimes(path.join(dir, f), t, t);
}

function run(cmd: string, args: string[] = [], env: Record<string, string> = {}) {
  return execa(path.join(dir, cmd), args, {
    cwd: dir,
    reject: false,
    stdin: 'ignore',
    env: { PATH: `${path.join(dir, 'fakebin')}:${process.env.PATH}`, CI: '', ...env },
  });
}

async function calls(): Promise<string[][]> {
  const text = await readFile(path.join(dir, 'calls.log'), 'utf8');
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string[]);
}

describe('bin/ready', () => {
  it('on a fresh checkout, says that the dependencies and the build are missing and changes nothing with --check', async () => {
    await checkout({ installed: false, built: false });
    const r = await run('bin/ready', ['--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/dependencies not installed \(no node_modules\): npm ci/);
    expect(r.stderr).toMatch(/no build yet: bin\/build/);
    expect(await calls()).toEqual([]);
  });

  it('on a fresh checkout, runs npm ci, which builds, and builds no second time', async () => {
    await checkout({ installed: false, built: false });
    const r = await run('bin/ready');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await calls()).map((c) => c[0])).toEqual(['npm', 'tsc', 'rolldown']);
    expect((await run('bin/ready', ['--check'])).stdout).toBe('ready');
  });

  it('on a ready checkout, does nothing', async () => {
    await checkout({ installed: true, built: true });
    const r = await run('bin/ready');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(await calls()).toEqual([]);
  });

  it('runs npm ci again when package-lock.json changed since the dependencies were installed', async () => {
    await checkout({ installed: true, built: true });
    await writeFile(path.join(dir, 'package-lock.json'), '{"changed": true}\n');
    expect((await run('bin/ready', ['--check'])).stderr).toMatch(/package-lock.json changed since the dependencies were installed/);
    const r = await run('bin/ready');
    expect(r.exitCode, r.stderr).toBe(0);
    expect((await calls()).map((c) => c[0])).toEqual(['npm', 'tsc', 'rolldown']);
    expect((await calls())[0]).toEqual(['npm', 'ci', '--no-audit', '--no-fund']);
  });

  it('leaves a node_modules that links to another checkout alone', async () => {
    await checkout({ installed: true, built: true });
    const borrowed = `${dir}-borrowed`;
    try {
      await cp(path.join(dir, 'node_modules'), borrowed, { recursive: true });
      await rm(path.join(dir, 'node_modules'), { recursive: true });
      await symlink(borrowed, path.join(dir, 'node_modules'));
      await writeFile(path.join(dir, 'package-lock.json'), '{"changed": true}\n');
      const r = await run('bin/ready');
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await calls()).map((c) => c[0])).not.toContain('npm');
    } finally {
      await rm(borrowed, { recursive: true, force: true });
    }
  });
});

describe('bin/build --if-stale', () => {
  it('builds when a source is newer than the last build, and only then', async () => {
    await checkout({ installed: true, built: true });
    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(0);
    expect(await calls()).toEqual([]);

    await writeFile(path.join(dir, 'src/a.ts'), 'export const a = 2;\n');
    expect((await run('bin/build', ['--changed'])).stdout).toBe('src/a.ts is newer than the last build');
    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(0);
    expect(await calls()).toEqual([['tsc', '-p', 'tsconfig.json'], BUNDLE]);

    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(0);
    expect(await calls()).toHaveLength(2);
  });

  it('builds when tsconfig.json or the installed dependencies changed', async () => {
    await checkout({ installed: true, built: true });
    await writeFile(path.join(dir, 'tsconfig.json'), '{"compilerOptions": {}}\n');
    expect((await run('bin/build', ['--changed'])).stdout).toBe('tsconfig.json is newer than the last build');
    await age(['tsconfig.json'], 3600);
    await writeFile(path.join(dir, 'node_modules/.package-lock.json'), '{"reinstalled": true}\n');
    expect((await run('bin/build', ['--changed'])).stdout).toBe('node_modules/.package-lock.json is newer than the last build');
  });

  it('builds when bin/build itself (how it bundles) or a CommonJS source (.cts) changed', async () => {
    await checkout({ installed: true, built: true });
    await utimes(path.join(dir, 'bin/build'), new Date(), new Date());
    expect((await run('bin/build', ['--changed'])).stdout).toBe('bin/build is newer than the last build');
    await age(['bin/build'], 3600);
    await writeFile(path.join(dir, 'src/b.cts'), 'export const b = 1;\n');
    expect((await run('bin/build', ['--changed'])).stdout).toBe('src/b.cts is newer than the last build');
  });

  it('builds again when dist/ was built some other way (npx tsc leaves no record)', async () => {
    await checkout({ installed: true, built: true });
    await rm(path.join(dir, 'dist/.built'));
    expect((await run('bin/build', ['--changed'])).stdout).toMatch(/^no record of when dist\/ was built/);
    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(0);
    expect(await calls()).toEqual([['tsc', '-p', 'tsconfig.json'], BUNDLE]);
    expect((await run('bin/build', ['--changed'])).stdout).toBe('');
  });

  it('leaves no record of a build that failed', async () => {
    await checkout({ installed: true, built: false });
    await writeFile(path.join(dir, 'node_modules/typescript/bin/tsc'), `${record('tsc')}\nprocess.exit(2);\n`);
    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(2);
    expect((await run('bin/build', ['--changed'])).stdout).toBe('no build yet');
  });

  it('leaves no record of a build whose bundle failed', async () => {
    await checkout({ installed: true, built: false });
    await writeFile(path.join(dir, 'node_modules/rolldown/bin/cli.mjs'), 'process.exit(1);\n');
    expect((await run('bin/build', ['--if-stale'])).exitCode).toBe(1);
    expect(await calls()).toEqual([['tsc', '-p', 'tsconfig.json']]);
    expect((await run('bin/build', ['--changed'])).stdout).toMatch(/^no record of when dist\/ was built/);
  });
});

describe('bin/test', () => {
  it('sets up what is missing, then gives vitest its arguments as they are', async () => {
    await checkout({ installed: true, built: false });
    const r = await run('bin/test', ['test/unit/a.test.ts', '-t', 'adds two', '--reporter=verbose']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await calls()).toEqual([
      ['tsc', '-p', 'tsconfig.json'],
      BUNDLE,
      ['vitest', 'run', '--config', 'test/vitest.config.ts', 'test/unit/a.test.ts', '-t', 'adds two', '--reporter=verbose'],
    ]);
  });

  const SUMMARY = ['failed:', '  test/unit/a.test.ts > a adds: AssertionError: expected 3 to be 4', '2 passed, 1 failed, 0 skipped'];

  it.each([
    ['CI is set', 'bin/test', { CI: 'true' }],
    ['its output is a pipe, as in a log', 'bin/test', {}],
    ['it runs as .ci/run', '.ci/run', {}],
  ])('when %s, ends with one line per failed test and the counts, and keeps vitest\'s exit status', async (_, cmd, env) => {
    await checkout({ installed: true, built: true });
    const r = await run(cmd, ['test/unit'], env);
    expect(r.exitCode).toBe(1);
    const [vitest] = await calls();
    expect(vitest?.slice(0, 6)).toEqual(['vitest', 'run', '--config', 'test/vitest.config.ts', '--reporter=default', '--reporter=json']);
    expect(vitest?.at(-1)).toBe('test/unit');
    expect(r.stdout.split('\n').slice(-3)).toEqual(SUMMARY);
  });

  it('on a terminal, without CI, leaves the whole output to vitest', async () => {
    await checkout({ installed: true, built: true });
    // script(1) gives bin/test a terminal for its output.
    const r = await execa('script', ['--quiet', '--return', '--command', 'bin/test test/unit', '/dev/null'], {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      env: { PATH: `${path.join(dir, 'fakebin')}:${process.env.PATH}`, CI: '' },
    });
    expect(r.exitCode, String(r.stdout)).toBe(0);
    expect(await calls()).toEqual([['vitest', 'run', '--config', 'test/vitest.config.ts', 'test/unit']]);
    expect(r.stdout).not.toMatch(/passed/);
  });

  it('under CI=true, leaves the reporters to a caller who names one', async () => {
    await checkout({ installed: true, built: true });
    const r = await run('bin/test', ['--reporter=dot'], { CI: 'true' });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(await calls()).toEqual([['vitest', 'run', '--config', 'test/vitest.config.ts', '--reporter=dot']]);
    expect(r.stdout).not.toMatch(/passed/);
  });
});
