// The host's cgroup hierarchies: which controllers its cgroup2 mount offers containers and which it mounts
// as cgroup v1 hierarchies (a v1 or hybrid host), and reading and writing one file of a running
// container's cgroup (lxc-cgroup: LXC finds the cgroup, v1 or v2, Locker never builds the path itself).

import { readTextIfExists } from '../files/read-text-if-exists.js';
import { runLxc } from './run-lxc.js';

/**
 * The controllers of the cgroup2 mount's root (`cgroup.controllers`): on a hybrid host it is mounted at
 * /sys/fs/cgroup/unified and offers only what v1 did not take. Empty when there is no cgroup2 mount.
 */
export async function readCgroup2Controllers(mounts = '/proc/self/mounts'): Promise<string[]> {
  const point = (await readMountTable(mounts)).find((f) => f[2] === 'cgroup2')?.[1];
  if (point === undefined) return [];
  const text = await readTextIfExists(`${point.replace(/\\040/g, ' ')}/cgroup.controllers`);
  return (text ?? '').split(/\s+/).filter((c) => c !== '').sort();
}

/** Controllers a cgroup v1 hierarchy could carry (a mount's options also hold flags and `name=systemd`). */
const V1_CONTROLLERS = new Set(['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'hugetlb', 'memory', 'misc', 'net_cls', 'net_prio', 'perf_event', 'pids', 'rdma']);

/** The controllers mounted as cgroup v1 hierarchies (`cgroup` mounts, by their options): empty on a pure v2 host. */
export async function readCgroup1Controllers(mounts = '/proc/self/mounts'): Promise<string[]> {
  const found = (await readMountTable(mounts)).filter((f) => f[2] === 'cgroup').flatMap((f) => (f[3] ?? '').split(',').filter((o) => V1_CONTROLLERS.has(o)));
  return [...new Set(found)].sort();
}

async function readMountTable(mounts: string): Promise<string[][]> {
  return ((await readTextIfExists(mounts)) ?? '').split('\n').map((l) => l.split(' '));
}

/** Writes `value` to the cgroup file `key` (v1 or v2, as the host has the controller) of a running container, at once. */
export async function setCgroupLive(lxcpath: string, name: string, key: string, value: string): Promise<void> {
  // `--`: v1's "no limit" is -1, which lxc-cgroup would otherwise read as an option.
  await runLxc('lxc-cgroup', ['-P', lxcpath, '-n', name, '--', key, value], { retryable: false });
}

/** What the running container's cgroup file holds now (trimmed). */
export async function readCgroupLive(lxcpath: string, name: string, key: string): Promise<string> {
  const { stdout } = await runLxc('lxc-cgroup', ['-P', lxcpath, '-n', name, '--', key], { retryable: true });
  return stdout.trim();
}
