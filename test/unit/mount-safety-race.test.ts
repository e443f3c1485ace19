// resolveReal under a race: a missing parent folder that another step creates between the two looks
// (realpath says "no such file", lstat then finds a folder) is resolved again, not taken for a dangling
// symlink. Two containers whose volumes share a new parent folder hit this when their copy-outs run at once.

import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** Paths whose next realpath() fails with ENOENT, once each: the folder "did not exist yet". */
const notYet = new Set<string>();

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    realpath: async (p: string) => {
      if (notYet.delete(p)) throw Object.assign(new Error(`ENOENT: no such file or directory, realpath '${p}'`), { code: 'ENOENT' });
      return real.realpath(p);
    },
  };
});

const { resolveReal } = await import('../../agents/mount-safety.js');

let dir: string;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'locker-resolve-')));
});

afterEach(() => {
  notYet.clear();
  rmSync(dir, { recursive: true, force: true });
});

describe('resolveReal', () => {
  it('a parent folder created between realpath and lstat is resolved again', async () => {
    mkdirSync(path.join(dir, 'data'));
    notYet.add(path.join(dir, 'data'));
    expect(await resolveReal(path.join(dir, 'data', 'db'))).toBe(path.join(dir, 'data', 'db'));
    expect(notYet.size).toBe(0);
  });

  it('a real dangling symlink on the way is still refused', async () => {
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'data'));
    await expect(resolveReal(path.join(dir, 'data', 'db'))).rejects.toMatchObject({
      code: 'HOST_PRECONDITION',
      message: `host path ${path.join(dir, 'data', 'db')} leads through ${path.join(dir, 'data')}, a symlink that points nowhere`,
    });
  });
});
