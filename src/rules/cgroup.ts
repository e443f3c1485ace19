// cgroup v2 settings: `limits:` values turned into v2 files, and the rule every v2 value must meet.
// Shared by the spec loader and the agent, so both refuse the same values.

import { bad, ok, type Checked } from './checked.js';

/** One cgroup v2 file and what is written to it (`lxc.cgroup2.KEY = VALUE`, `lxc-cgroup NAME KEY VALUE`). */
export interface CgroupSetting {
  key: string;
  value: string;
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

/** Why a v2 setting is not one Locker writes, or undefined. The agent checks every set-limits job with it. */
export function describeBadCgroupSetting(s: CgroupSetting): string | undefined {
  const rule = V2_VALUES[s.key] ?? (HUGETLB_MAX.test(s.key) ? V2_VALUES['memory.max'] : undefined);
  if (rule === undefined) return `${show(s.key)} is not a cgroup v2 file Locker sets`;
  return rule.test(s.value) ? undefined : `${s.key} value ${show(s.value)} is not ${rule.rule}`;
}

/** `memory.max` -> `memory`: the v2 controller a file belongs to. */
export function controllerOf(key: string): string {
  return key.split('.')[0]!;
}

/**
 * What a file is reset to when the spec no longer sets it, so a running container loses the limit live
 * (the config, without the key, gives the same at the next start).
 */
export function cgroupDefault(key: string): string | undefined {
  if (key === 'cpu.max') return `max ${CPU_PERIOD_US}`;
  if (key === 'cpu.weight' || key === 'io.weight') return '100';
  if (key === 'memory.low') return '0';
  if (key.endsWith('.max')) return 'max';
  return undefined;
}

function show(value: unknown): string {
  // JSON: quoted, escapes visible, so a message stays one line whatever the value holds.
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
