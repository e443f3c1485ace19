// The host's cgroup v2 hierarchy: which controllers it offers containers, and writing one file of a
// running container's cgroup (lxc-cgroup: LXC finds the cgroup, Locker never builds the path itself).

import { readTextIfExists } from '../files/read-text-if-exists.js';
import { runLxc } from './run-lxc.js';

/**
 * The controllers of the cgroup2 mount's root (`cgroup.controllers`): on a hybrid host it is mounted at
 * /sys/fs/cgroup/unified and offers only what v1 did not take. Empty when there is no cgroup2 mount.
 */
export async function readCgroup2Controllers(mounts = '/proc/self/mounts'): Promise<string[]> {
  const table = (await readTextIfExists(mounts)) ?? '';
  const point = table
    .split('\n')
    .map((l) => l.split(' '))
    .find((f) => f[2] === 'cgroup2')?.[1];
  if (point === undefined) return [];
  const text = await readTextIfExists(`${point.replace(/\\040/g, ' ')}/cgroup.controllers`);
  return (text ?? '').split(/\s+/).filter((c) => c !== '').sort();
}

/** Writes `value` to the cgroup v2 file `key` of a running container, at once. */
export async function setCgroupLive(lxcpath: string, name: string, key: string, value: string): Promise<void> {
  await runLxc('lxc-cgroup', ['-P', lxcpath, '-n', name, key, value], { retryable: false });
}

/** What the running container's cgroup file holds now (trimmed). */
export async function readCgroupLive(lxcpath: string, name: string, key: string): Promise<string> {
  const { stdout } = await runLxc('lxc-cgroup', ['-P', lxcpath, '-n', name, key], { retryable: true });
  return stdout.trim();
}
