// A stopped container's resolv.conf is written through its rootfs on the host: a symlinked resolv.conf is
// replaced by a regular file (its target, here a file outside the root, is untouched); a symlinked /etc is
// refused; an overlay clone gets the file in its upper layer. No LXC needed: a config and folders suffice.

import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readContainerResolv, writeContainerResolv } from '../../src/lxc/index.js';

const made: string[] = [];
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fakeContainer(rootfsLine: (dir: string) => string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'locker-resolv-'));
  made.push(dir);
  mkdirSync(path.join(dir, 'lxc', 'c'), { recursive: true });
  writeFileSync(path.join(dir, 'lxc', 'c', 'config'), `lxc.uts.name = c\nlxc.rootfs.path = ${rootfsLine(dir)}\n`);
  return { dir, lxcpath: path.join(dir, 'lxc') };
}

describe('resolv.conf of a stopped container', () => {
  it('replaces a symlink pointing out of the root by a file, never writing through it', async () => {
    const { dir, lxcpath } = fakeContainer((d) => `dir:${d}/rootfs`);
    mkdirSync(path.join(dir, 'rootfs', 'etc'), { recursive: true });
    writeFileSync(path.join(dir, 'outside'), 'host data\n');
    symlinkSync(path.join(dir, 'outside'), path.join(dir, 'rootfs', 'etc', 'resolv.conf'));
    expect(await readContainerResolv(lxcpath, 'c', false)).toBe('');
    await writeContainerResolv(lxcpath, 'c', 'nameserver 9.9.9.9\n', false);
    expect(readFileSync(path.join(dir, 'outside'), 'utf8')).toBe('host data\n');
    expect(lstatSync(path.join(dir, 'rootfs', 'etc', 'resolv.conf')).isFile()).toBe(true);
    expect(await readContainerResolv(lxcpath, 'c', false)).toBe('nameserver 9.9.9.9\n');
  });

  it('refuses an /etc that is a symlink', async () => {
    const { dir, lxcpath } = fakeContainer((d) => `dir:${d}/rootfs`);
    mkdirSync(path.join(dir, 'rootfs'));
    mkdirSync(path.join(dir, 'elsewhere'));
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'rootfs', 'etc'));
    await expect(writeContainerResolv(lxcpath, 'c', 'nameserver 9.9.9.9\n', false)).rejects.toThrow(/is a symlink: Locker never writes through it/);
    expect(() => lstatSync(path.join(dir, 'elsewhere', 'resolv.conf'))).toThrow();
  });

  it('writes an overlay clone\'s file into its upper layer, reading the lower one until then', async () => {
    const { dir, lxcpath } = fakeContainer((d) => `overlay:${d}/lower:${d}/upper`);
    mkdirSync(path.join(dir, 'lower', 'etc'), { recursive: true });
    mkdirSync(path.join(dir, 'upper'));
    writeFileSync(path.join(dir, 'lower', 'etc', 'resolv.conf'), 'search origin.example\n');
    expect(await readContainerResolv(lxcpath, 'c', false)).toBe('search origin.example\n');
    await writeContainerResolv(lxcpath, 'c', 'nameserver 9.9.9.9\nsearch origin.example\n', false);
    expect(readFileSync(path.join(dir, 'lower', 'etc', 'resolv.conf'), 'utf8')).toBe('search origin.example\n');
    expect(await readContainerResolv(lxcpath, 'c', false)).toBe('nameserver 9.9.9.9\nsearch origin.example\n');
  });
});
