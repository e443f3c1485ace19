// cgroup v2 settings: `limits:` values turned into v2 files, and the rule every v2 value must meet.
// Shared by the spec loader and the agent, so both refuse the same values.

import { bad, ok, type Checked } from './checked.js';

/**
 * One cgroup file and what is written to it: a v2 file (`lxc.cgroup2.KEY = VALUE`), or with `v1` a file of
 * the host's cgroup v1 hierarchy of that controller (`lxc.cgroup.KEY = VALUE`); live: `lxc-cgroup NAME KEY VALUE`.
 */
export interface CgroupSetting {
  key: string;
  value: string;
  v1?: true;
}

/** cpu.max's period: the kernel's default, 100 ms. */
export const CPU_PERIOD_US = 100_000;
const MAX_CPUS = 1024;
const MAX_PIDS = 4_194_304; // the kernel's PID_MAX_LIMIT

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export const MEMORY_RULE = 'a size such as 512M or 2G (K, M, G, T are powers of 1024; a plain number is bytes)';
export const CPUS_RULE = 'a number of CPUs from 0.01 to 1024, such as 1.5';
export const PIDS_RULE = `a whole number of processes from 1 to ${MAX_PIDS}`;

/** `512M` -> 536870912 bytes. */
export function parseMemorySize(value: unknown): Checked<number> {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : undefined;
  const m = text === undefined ? null : /^([1-9][0-9]*)([KMGT]?)$/i.exec(text);
  const bytes = m === null ? NaN : Number(m[1]) * UNITS[m[2]!.toUpperCase()]!;
  if (!Number.isSafeInteger(bytes)) return bad(`${show(value)} is not ${MEMORY_RULE}`);
  return ok(bytes);
}

/** `1.5` -> `150000 100000` (cpu.max: quota and period in microseconds). */
export function parseCpus(value: unknown): Checked<string> {
  const quota = typeof value === 'number' && Number.isFinite(value) ? Math.round(value * CPU_PERIOD_US) : NaN;
  // The kernel refuses a quota under 1 ms.
  if (!(quota >= 1000) || typeof value !== 'number' || value > MAX_CPUS) {
    return bad(`${show(value)} is not ${CPUS_RULE}`);
  }
  return ok(`${quota} ${CPU_PERIOD_US}`);
}

export function parsePids(value: unknown): Checked<number> {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PIDS) return bad(`${show(value)} is not ${PIDS_RULE}`);
  return ok(value);
}

/** `0-3,8` */
const CPU_LIST = /^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?)*$/;
const BYTES_OR_MAX = /^(max|[0-9]{1,19})$/;
const HUGETLB_MAX = /^hugetlb\.[0-9]{1,4}[KMG]B\.max$/;

function weight(v: string): boolean {
  return /^[0-9]{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 10_000;
}

/** The v2 files Locker writes, each with its value rule. */
const V2_VALUES: Record<string, { test: (v: string) => boolean; rule: string }> = {
  'memory.max': { test: (v) => BYTES_OR_MAX.test(v), rule: 'bytes or "max"' },
  'memory.swap.max': { test: (v) => BYTES_OR_MAX.test(v), rule: 'bytes or "max"' },
  'memory.low': { test: (v) => BYTES_OR_MAX.test(v), rule: 'bytes or "max"' },
  'cpu.max': {
    test: (v) => /^(max|[0-9]{4,10}) [0-9]{4,7}$/.test(v) && Number(v.split(' ')[1]) >= 1000 && Number(v.split(' ')[1]) <= 1_000_000,
    rule: '"QUOTA PERIOD" in microseconds (QUOTA may be "max")',
  },
  'cpu.weight': { test: weight, rule: 'a whole number from 1 to 10000' },
  'io.weight': { test: weight, rule: 'a whole number from 1 to 10000' },
  'pids.max': { test: (v) => v === 'max' || (/^[0-9]{1,7}$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_PIDS), rule: PIDS_RULE },
  'cpuset.cpus': { test: (v) => CPU_LIST.test(v), rule: 'a list of CPU numbers such as 0,1 or 0-3' },
  'cpuset.mems': { test: (v) => CPU_LIST.test(v), rule: 'a list of memory node numbers such as 0 or 0-1' },
};

const BYTES_OR_MINUS_ONE = { test: (v: string) => /^(-1|[0-9]{1,19})$/.test(v), rule: 'bytes or -1' };
const HUGETLB_V1 = /^hugetlb\.[0-9]{1,4}[KMG]B\.limit_in_bytes$/;

/** The v1 files Locker writes on a host whose controller is on cgroup v1 (the spec's settings, never a raw key). */
const V1_VALUES: Record<string, { test: (v: string) => boolean; rule: string }> = {
  'memory.limit_in_bytes': BYTES_OR_MINUS_ONE,
  'memory.soft_limit_in_bytes': BYTES_OR_MINUS_ONE,
  'memory.memsw.limit_in_bytes': BYTES_OR_MINUS_ONE,
  'cpu.cfs_quota_us': { test: (v) => v === '-1' || (/^[0-9]{4,10}$/.test(v) && Number(v) <= 4_000_000_000), rule: 'microseconds of at least 1000, or -1' },
  'cpu.cfs_period_us': { test: (v) => /^[0-9]{4,7}$/.test(v) && Number(v) <= 1_000_000, rule: 'microseconds from 1000 to 1000000' },
  'cpu.shares': { test: (v) => /^[0-9]{1,6}$/.test(v) && Number(v) >= 2 && Number(v) <= 262_144, rule: 'a whole number from 2 to 262144' },
  'blkio.weight': { test: (v) => /^[0-9]{2,4}$/.test(v) && Number(v) >= 10 && Number(v) <= 1000, rule: 'a whole number from 10 to 1000' },
  'pids.max': V2_VALUES['pids.max']!,
  'cpuset.cpus': V2_VALUES['cpuset.cpus']!,
  'cpuset.mems': V2_VALUES['cpuset.mems']!,
};

/** Why a setting is not one Locker writes, or undefined. The agent checks every set-limits job with it. */
export function describeBadCgroupSetting(s: CgroupSetting): string | undefined {
  const v1 = s.v1 === true;
  const rule = v1
    ? (V1_VALUES[s.key] ?? (HUGETLB_V1.test(s.key) ? BYTES_OR_MINUS_ONE : undefined))
    : (V2_VALUES[s.key] ?? (HUGETLB_MAX.test(s.key) ? V2_VALUES['memory.max'] : undefined));
  if (rule === undefined) return `${show(s.key)} is not a cgroup ${v1 ? 'v1' : 'v2'} file Locker sets`;
  return rule.test(s.value) ? undefined : `${s.key} value ${show(s.value)} is not ${rule.rule}`;
}

/** `memory.max` -> `memory`: the controller a file belongs to (v1 and v2 files alike). */
export function controllerOf(key: string): string {
  return key.split('.')[0]!;
}

/** v1's "no limit" for a memory file: -1 is written, the kernel reads back the largest page-aligned size. */
const V1_UNLIMITED_BYTES = '9223372036854771712';

/**
 * What a file is reset to when the spec no longer sets it, so a running container loses the limit live
 * (the config, without the key, gives the same at the next start).
 */
export function cgroupDefault(s: Pick<CgroupSetting, 'key' | 'v1'>): string | undefined {
  const key = s.key;
  if (s.v1 === true) {
    if (key.endsWith('limit_in_bytes') || key === 'cpu.cfs_quota_us') return '-1';
    if (key === 'cpu.cfs_period_us') return String(CPU_PERIOD_US);
    if (key === 'cpu.shares') return '1024';
    if (key === 'blkio.weight') return '500';
    if (key === 'pids.max') return 'max';
    return undefined;
  }
  if (key === 'cpu.max') return `max ${CPU_PERIOD_US}`;
  if (key === 'cpu.weight' || key === 'io.weight') return '100';
  if (key === 'memory.low') return '0';
  if (key.endsWith('.max')) return 'max';
  return undefined;
}

/**
 * Whether a live file already holds what is written: the kernel reads back a v1 memory size rounded down
 * to whole pages, and -1 as the largest such size.
 */
export function sameLiveValue(s: CgroupSetting, live: string): boolean {
  if (live === s.value) return true;
  if (s.v1 !== true || !s.key.endsWith('limit_in_bytes')) return false;
  if (s.value === '-1') return live === V1_UNLIMITED_BYTES;
  return /^[0-9]+$/.test(live) && BigInt(live) === (BigInt(s.value) / 4096n) * 4096n;
}

function show(value: unknown): string {
  // JSON: quoted, escapes visible, so a message stays one line whatever the value holds.
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
