// Claims on addresses: one file per address and bridge in a folder every Locker agent of this machine
// shares (any project, any lxcpath). Creating the file is the claim (O_EXCL), so two plans made at once
// cannot both take one address. The files are in dnsmasq's dhcp-hosts format: for lxcbr0 the folder is
// lxc-net's dhcp-hostsdir, and a claim is also the DHCP reservation of the container's MAC.

import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import type { ClaimRef } from './claim-list.js';
import { configPath } from './container-paths.js';

export const ADDRESS_DIR = '/var/lib/locker/addresses';

export interface AddressClaim {
  bridge: string;
  ip: string;
  mac: string;
  /** The agent host, the lxcpath and the LXC name of the container that holds it. */
  host: string;
  lxcpath: string;
  container: string;
}

const COMMENT = '# locker claim:';

export function renderClaim(c: AddressClaim): string {
  // dnsmasq reads the second line (MAC,IP) and skips the comment; the lxcpath comes last, whatever it holds.
  return `${COMMENT} host=${c.host} container=${c.container} lxcpath=${c.lxcpath}\n${c.mac},${c.ip}\n`;
}

export function parseClaim(text: string, bridge: string, ip: string): AddressClaim | undefined {
  const [comment, entry] = text.split('\n');
  const owner = /^# locker claim: host=(\S+) container=(\S+) lxcpath=(.+)$/.exec(comment ?? '');
  const reservation = /^([0-9a-f]{2}(?::[0-9a-f]{2}){5}),(\S+)$/.exec(entry ?? '');
  if (owner === null || reservation === null || reservation[2] !== ip) return undefined;
  return { bridge, ip, mac: reservation[1]!, host: owner[1]!, container: owner[2]!, lxcpath: owner[3]! };
}

/** Every claim under `dir`, of every bridge. A file that is not a claim is left alone and not reported. */
export async function readClaims(dir = ADDRESS_DIR): Promise<AddressClaim[]> {
  const files = (await Promise.all((await listDir(dir)).map(async (bridge) => (await listDir(path.join(dir, bridge))).map((ip) => ({ bridge, ip }))))).flat();
  return readListedClaims(dir, files);
}

function sameOwner(a: Pick<AddressClaim, 'lxcpath' | 'container'>, b: Pick<AddressClaim, 'lxcpath' | 'container'>): boolean {
  return a.lxcpath === b.lxcpath && a.container === b.container;
}

/** A claim whose container is gone (destroyed by hand, or a crash between destroy and release) holds nothing. */
export async function isStale(claim: AddressClaim): Promise<boolean> {
  return (await readTextIfExists(configPath(claim.lxcpath, claim.container))) === undefined;
}

/** The claims that still hold their address. */
export async function readLiveClaims(dir = ADDRESS_DIR): Promise<AddressClaim[]> {
  const claims = await readClaims(dir);
  const stale = await Promise.all(claims.map(isStale));
  return claims.filter((_, i) => !stale[i]);
}

export interface ClaimOutcome {
  outcome: 'done' | 'adopted';
  /** A stale claim of a container that is gone, taken over: its lease is to be given back. */
  replaced?: AddressClaim;
}

/**
 * Claims `claim.ip` on its bridge for its container. Already the container's: rewritten if the MAC
 * changed. A gone container's: taken over. Somebody else's: refused, naming the holder (another plan
 * took it since this one was made).
 */
export async function claimAddress(claim: AddressClaim, dir = ADDRESS_DIR): Promise<ClaimOutcome> {
  const folder = path.join(dir, claim.bridge);
  const file = path.join(folder, claim.ip);
  await mkdirReadable(dir, folder);
  const text = renderClaim(claim);
  try {
    await writeFile(file, text, { flag: 'wx', mode: 0o644 });
    return { outcome: 'done' };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const current = await readTextIfExists(file);
  const holder = current === undefined ? undefined : parseClaim(current, claim.bridge, claim.ip);
  const replaced = holder !== undefined && !sameOwner(holder, claim) && (await isStale(holder)) ? holder : undefined;
  if (holder !== undefined && !sameOwner(holder, claim) && replaced === undefined) {
    throw new LockerError('HOST_PRECONDITION', `address ${claim.ip} on ${claim.bridge} is already claimed by container ${holder.container} (lxcpath ${holder.lxcpath})`, {
      hint: 'another plan took it after this one was made: run `locker plan` again to get another address',
    });
  }
  if (current === text) return { outcome: 'adopted' };
  // Ours with another MAC, a gone container's, or not a claim at all (a half-written file of a crash): ours now.
  await writeFile(file, text, { mode: 0o644 });
  return replaced === undefined ? { outcome: 'done' } : { outcome: 'done', replaced };
}

/**
 * Removes the container's claims, except `keep`; returns what it removed. `listed`: the claims the
 * container may hold (its claim list), read instead of every claim; each is removed only if its file
 * still names this container.
 */
export async function releaseClaims(
  owner: Pick<AddressClaim, 'lxcpath' | 'container'>,
  dir = ADDRESS_DIR,
  keep?: Pick<AddressClaim, 'bridge' | 'ip'>,
  listed?: readonly ClaimRef[],
): Promise<AddressClaim[]> {
  const candidates = listed === undefined ? await readClaims(dir) : await readListedClaims(dir, listed);
  const mine = candidates.filter((c) => sameOwner(c, owner) && !(keep !== undefined && c.bridge === keep.bridge && c.ip === keep.ip));
  for (const c of mine) await rm(path.join(dir, c.bridge, c.ip), { force: true });
  return mine;
}

/** The claims among these files (read at once); a file that is gone or not a claim is left out. */
async function readListedClaims(dir: string, refs: readonly ClaimRef[]): Promise<AddressClaim[]> {
  const claims = await Promise.all(
    refs.map(async ({ bridge, ip }) => {
      const text = await readTextIfExists(path.join(dir, bridge, ip));
      return text === undefined ? undefined : parseClaim(text, bridge, ip);
    }),
  );
  return claims.filter((c): c is AddressClaim => c !== undefined);
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw e;
  }
}

/** dnsmasq drops root: the folders must stay readable by its user. */
async function mkdirReadable(root: string, folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o755 });
  await chmod(root, 0o755);
  await chmod(folder, 0o755);
}
