// A container's /etc/resolv.conf as the host reads and writes it, and the host's own nameservers.
// A running container's file is read and replaced from inside it (its own view of its root); a stopped
// one's through its rootfs on the host, where no symlink is ever followed: a symlinked /etc is refused,
// a symlinked resolv.conf is replaced by a regular file, never written through.

import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { isLoopbackNameserver, parseResolvNameservers } from '../rules/nameservers.js';
import { readConfig } from './config-file.js';
import { parseRootfs } from './rootfs.js';
import { runLxc } from './run-lxc.js';

export const HOST_RESOLV_CONF = '/etc/resolv.conf';
/** systemd-resolved's list of the upstream servers behind its 127.0.0.53 stub. */
export const RESOLVED_UPSTREAM = '/run/systemd/resolve/resolv.conf';

/** Replaces the file from inside, by rename: a symlinked resolv.conf becomes a file, its target untouched. */
const LIVE_WRITE = 'set -e; t=/etc/.resolv.conf.locker; rm -f "$t"; cat > "$t"; chmod 644 "$t"; mv -f "$t" /etc/resolv.conf';

export interface HostNameservers {
  /** What `$copy` hands on, in order. */
  usable: string[];
  /** Loopback resolvers the host lists, which a container cannot reach. */
  skipped: string[];
}

/**
 * The host's nameservers for `$copy`. Loopback stubs are left out; when the host lists nothing else (a
 * systemd-resolved host), the upstream servers resolved itself uses are read instead.
 */
export async function readHostNameservers(file = HOST_RESOLV_CONF, upstream = RESOLVED_UPSTREAM): Promise<HostNameservers> {
  const listed = parseResolvNameservers((await readTextIfExists(file)) ?? '');
  const skipped = listed.filter(isLoopbackNameserver);
  let usable = listed.filter((n) => !isLoopbackNameserver(n));
  if (usable.length === 0 && skipped.length > 0) {
    usable = parseResolvNameservers((await readTextIfExists(upstream)) ?? '').filter((n) => !isLoopbackNameserver(n));
  }
  return { usable, skipped };
}

/** The container's resolv.conf text ('' when it has none, or a stopped container's is a symlink). */
export async function readContainerResolv(lxcpath: string, name: string, running: boolean): Promise<string> {
  if (running) {
    const { stdout, exitCode } = await runLxc('lxc-attach', ['-P', lxcpath, '-n', name, '--clear-env', '--', 'cat', '/etc/resolv.conf'], {
      retryable: true,
      okExitCodes: [1],
    });
    return exitCode === 0 ? stdout : '';
  }
  const layers = await rootLayers(lxcpath, name);
  // The upper layer of an overlay hides the lower one's file.
  for (const root of [...layers].reverse()) {
    const found = await readInRoot(root);
    if (found !== undefined) return found;
  }
  return '';
}

export async function writeContainerResolv(lxcpath: string, name: string, text: string, running: boolean): Promise<void> {
  if (running) {
    await runLxc('lxc-attach', ['-P', lxcpath, '-n', name, '--clear-env', '--', '/bin/sh', '-c', LIVE_WRITE], { retryable: true, input: text });
    return;
  }
  const layers = await rootLayers(lxcpath, name);
  const root = layers[layers.length - 1]!;
  const etc = await safeEtc(root, layers.length > 1);
  const tmp = path.join(etc, `.resolv.conf.locker-${randomBytes(4).toString('hex')}`);
  try {
    // `wx` never follows a symlink planted at the temp name; rename replaces a symlinked resolv.conf itself.
    await writeFile(tmp, text, { flag: 'wx', mode: 0o644 });
    await rename(tmp, path.join(etc, 'resolv.conf'));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** The directories the stopped container's root is made of, bottom first (the last is written). */
async function rootLayers(lxcpath: string, name: string): Promise<string[]> {
  const config = await readConfig(lxcpath, name);
  if (config === undefined) throw new LockerError('HOST_PRECONDITION', `container ${name} does not exist`, { hint: 'create it first' });
  const rootfs = parseRootfs(config);
  if (rootfs?.kind === 'dir') return [rootfs.path];
  if (rootfs?.kind === 'overlay') return [rootfs.lower, rootfs.upper];
  throw new LockerError('HOST_PRECONDITION', `cannot reach ${name}'s /etc/resolv.conf while it is stopped: its rootfs is ${rootfs?.kind === 'other' ? rootfs.raw : 'not set'}`, {
    hint: 'start the container, then run `locker up` again: a running container gets its nameservers from inside',
  });
}

/** `ROOT/etc`, refused when it is a symlink (it could point out of the root); made in an overlay's upper layer. */
async function safeEtc(root: string, mayCreate: boolean): Promise<string> {
  const etc = path.join(root, 'etc');
  const st = await lstat(etc).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' && mayCreate) return undefined;
    throw e;
  });
  if (st === undefined) {
    await mkdir(etc, { mode: 0o755 });
    return etc;
  }
  if (!st.isDirectory()) {
    throw new LockerError('HOST_PRECONDITION', `${etc} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}: Locker never writes through it`, {
      hint: 'start the container, then run `locker up` again: a running container gets its nameservers from inside',
    });
  }
  return etc;
}

/** The text of ROOT/etc/resolv.conf; '' for a symlink or an overlay whiteout; undefined when absent. */
async function readInRoot(root: string): Promise<string | undefined> {
  const file = path.join(root, 'etc', 'resolv.conf');
  const etc = await lstat(path.join(root, 'etc')).catch(() => undefined);
  if (etc === undefined || !etc.isDirectory()) return undefined;
  const st = await lstat(file).catch(() => undefined);
  if (st === undefined) return undefined;
  if (!st.isFile()) return '';
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
