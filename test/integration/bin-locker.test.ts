// bin/locker runs the bundle bin/build wrote (dist/bundle/locker.cjs) with its V8 code cache, and dist/ itself when tsc
// compiled dist/ since. Each test runs the real bin/locker and the built code cache loader in a throwaway checkout
// under /tmp, whose bundle and dist/ are stand-ins that say which of them ran. Needs no LXC.

import { execa } from 'execa';
import { cp, mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

// Stand-ins: each main says which build ran, with the command's arguments, and sets an exit code as the CLI does.
const BUNDLE = `exports.main = async () => { console.log('bundle ' + process.argv.slice(2).join(' ')); process.exitCode = 2; };\n`;
const COMPILED = `export async function main() { console.log('compiled ' + process.argv.slice(2).join(' ')); process.exitCode = 2; }\n`;

let dir = '';
afterEach(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** A checkout with bin/locker and the built loader; `bundle`/`compiled`: which builds exist, the later one newest. */
async function checkout(builds: { compiled?: boolean; bundle?: boolean; newest?: 'bundle' | 'compiled' }): Promise<void> {
  dir = await mkdtemp('/tmp/locker-bin-');
  await mkdir(path.join(dir, 'bin'));
  for (const f of ['bin/locker', 'bin/package.json']) await cp(path.join(REPO, f), path.join(dir, f));
  await writeFile(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  await mkdir(path.join(dir, 'dist/src/cli'), { recursive: true });
  await cp(path.join(REPO, 'dist/src/cli/code-cache.cjs'), path.join(dir, 'dist/src/cli/code-cache.cjs'));
  const hourAgo = new Date(Date.now() - 3600_000);
  if (builds.compiled) await writeFile(path.join(dir, 'dist/src/cli/main.js'), COMPILED);
  if (builds.bundle) {
    await mkdir(path.join(dir, 'dist/bundle'));
    await writeFile(path.join(dir, 'dist/bundle/locker.cjs'), BUNDLE);
  }
  const older = builds.newest === 'bundle' ? 'dist/src/cli/main.js' : 'dist/bundle/locker.cjs';
  if (builds.compiled && builds.bundle) await utimes(path.join(dir, older), hourAgo, hourAgo);
}

function locker(args: string[]) {
  return execa(process.execPath, [path.join(dir, 'bin/locker'), ...args], { cwd: dir, reject: false, stdin: 'ignore' });
}

const codeCaches = async () => (await readdir(path.join(dir, 'dist/bundle/code-cache')).catch(() => [])).sort();

describe('bin/locker', () => {
  it('runs the bundle, and keeps a code cache per command after its first run', async () => {
    await checkout({ compiled: true, bundle: true, newest: 'bundle' });
    const first = await locker(['plan', '-f', 'x.yml']);
    expect(first.stdout).toBe('bundle plan -f x.yml');
    expect(first.exitCode).toBe(2);
    expect(await codeCaches()).toEqual([expect.stringMatching(/^plan-\d+-\d+\.v8$/)]);

    expect((await locker(['plan'])).stdout).toBe('bundle plan');
    expect((await locker(['--json', 'status'])).stdout).toBe('bundle --json status');
    expect((await locker(['--version'])).stdout).toBe('bundle --version');
    expect(await codeCaches()).toEqual([
      expect.stringMatching(/^plan-\d+-\d+\.v8$/),
      expect.stringMatching(/^status-\d+-\d+\.v8$/),
      expect.stringMatching(/^version-\d+-\d+\.v8$/),
    ]);
  });

  it('runs dist/ when tsc compiled it after the bundle was made (npx tsc)', async () => {
    await checkout({ compiled: true, bundle: true, newest: 'compiled' });
    const r = await locker(['plan']);
    expect(r.stdout).toBe('compiled plan');
    expect(r.exitCode).toBe(2);
  });

  it('runs the bundle without dist/ (an install of the bundle alone)', async () => {
    await checkout({ bundle: true });
    expect((await locker(['up'])).stdout).toBe('bundle up');
  });

  it('says how to build when there is no build', async () => {
    await checkout({});
    const r = await locker(['plan']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^locker is not built \(no dist\/bundle\/locker\.cjs\): run bin\/build$/);
  });

  it('runs the real build: the bundle of this checkout answers', async () => {
    const r = await execa(process.execPath, [path.join(REPO, 'bin/locker'), '--version'], { reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
