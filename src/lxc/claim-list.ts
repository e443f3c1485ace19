// A container's own list of the address claims it may hold, next to its config: releasing its old
// addresses reads those claim files, not every claim of the machine (that made `up` O(N²) in files read).
// The list is a superset: an entry is added before its claim is made, and a claim it names is released
// only after its file says it is still this container's. No list (a container addressed by a Locker
// before this list, or one whose directory is gone) means: look at every claim.

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { isIpv4 } from '../rules/ipv4.js';
import { BRIDGE_NAME } from '../rules/names.js';
import type { AddressClaim } from './address-claims.js';
import { claimListFile } from './container-paths.js';

export type ClaimRef = Pick<AddressClaim, 'bridge' | 'ip'>;
type Owner = Pick<AddressClaim, 'lxcpath' | 'container'>;

export function claimListPath(owner: Owner): string {
  return claimListFile(owner.lxcpath, owner.container);
}

/** `bridge ip` per line; a line that is not one is skipped (a path is only ever made of a bridge name and an address). */
export async function readClaimList(owner: Owner): Promise<ClaimRef[] | undefined> {
  const text = await readTextIfExists(claimListPath(owner));
  if (text === undefined) return undefined;
  return text.split('\n').flatMap((line) => {
    const m = /^(\S+) (\S+)$/.exec(line);
    return m === null || !BRIDGE_NAME.test(m[1]!) || !isIpv4(m[2]!) ? [] : [{ bridge: m[1]!, ip: m[2]! }];
  });
}

/**
 * Replaces the list (temp file + rename: a crash leaves the old list or the new one). A container whose
 * directory is gone gets none: false.
 */
export async function writeClaimList(owner: Owner, refs: readonly ClaimRef[]): Promise<boolean> {
  const file = claimListPath(owner);
  const unique = [...new Set(refs.map((r) => `${r.bridge} ${r.ip}`))];
  const tmp = `${file}.locker-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(tmp, unique.map((l) => `${l}\n`).join(''), { flag: 'wx', mode: 0o644 });
    await rename(tmp, file);
    return true;
  } catch (e) {
    await rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}
