// Which cgroup hierarchy each limit of a container goes to on its host, controller by controller: its
// cgroup v2 file where the host's cgroup2 mount offers the controller, else its v1 files where the host
// mounts the controller as a cgroup v1 hierarchy (a v1 or hybrid host), else nothing (refused).

import { CPU_PERIOD_US, controllerOf, type CgroupSetting } from './cgroup.js';

/** The controllers a host offers containers: on its cgroup2 mount, and as cgroup v1 hierarchies. */
export interface HostCgroups {
  v2: readonly string[];
  v1: readonly string[];
}

/** One limit of the spec: its v2 file, and the v1 files that say the same (each with `v1: true`). */
export interface CgroupLimit {
  key: string;
  value: string;
  v1: readonly CgroupSetting[];
}

/** The files a limit becomes on this host, or undefined when the host has its controller on neither hierarchy. */
export function chooseCgroupFiles(limit: CgroupLimit, host: HostCgroups): CgroupSetting[] | undefined {
  if (host.v2.includes(controllerOf(limit.key))) return [{ key: limit.key, value: limit.value }];
  if (limit.v1.length > 0 && limit.v1.every((s) => host.v1.includes(controllerOf(s.key)))) return limit.v1.map((s) => ({ key: s.key, value: s.value, v1: true }));
  return undefined;
}

/**
 * The v1 files of a `limits:` setting: memory.max -> memory.limit_in_bytes, cpu.max -> cpu.cfs_period_us
 * and cpu.cfs_quota_us, pids.max -> pids.max ("max" is -1 in v1's byte and quota files).
 */
export function limitV1Files(v2: CgroupSetting): CgroupSetting[] {
  const v1 = (key: string, value: string): CgroupSetting => ({ key, value, v1: true });
  switch (v2.key) {
    case 'memory.max':
      return [v1('memory.limit_in_bytes', v2.value === 'max' ? '-1' : v2.value)];
    case 'cpu.max': {
      const [quota, period] = v2.value.split(' ');
      return [v1('cpu.cfs_period_us', period ?? String(CPU_PERIOD_US)), v1('cpu.cfs_quota_us', quota === 'max' ? '-1' : quota!)];
    }
    case 'pids.max':
      return [v1('pids.max', v2.value)];
    default:
      return [];
  }
}

/** The order lxc.cgroup.* lines are written and set in: by key (memory.limit_in_bytes before memsw, the period before the quota). */
export function compareSettings(a: CgroupSetting, b: CgroupSetting): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : Number(a.v1 === true) - Number(b.v1 === true);
}
