// The old `cgroup:` list (cgroup v1 `KEY=VALUE` settings of Locker's later format) translated to the
// cgroup v2 files LXC sets today, where a translation exists; a clear refusal where none does.
// The table is the README's: keep the two in step (test/unit/cgroup-v1.test.ts reads both).

import type { CgroupSetting } from './cgroup.js';
import { CPU_PERIOD_US } from './cgroup.js';

/** How each v1 key becomes a v2 one, as the README shows it. */
export const V1_TRANSLATIONS: ReadonlyArray<{ v1: string; v2: string; how: string }> = [
  { v1: 'memory.limit_in_bytes', v2: 'memory.max', how: 'same bytes (K, M, G suffixes read); -1 is max' },
  { v1: 'memory.soft_limit_in_bytes', v2: 'memory.low', how: 'same bytes; -1 is max' },
  { v1: 'memory.memsw.limit_in_bytes', v2: 'memory.swap.max', how: 'memsw minus memory.limit_in_bytes (v2 counts swap alone); -1 is max' },
  { v1: 'cpu.shares', v2: 'cpu.weight', how: 'the kernel\'s formula: 1 + ((shares - 2) * 9999) / 262142' },
  { v1: 'cpu.cfs_quota_us + cpu.cfs_period_us', v2: 'cpu.max', how: '"QUOTA PERIOD"; quota -1 is max; period 100000 when not given' },
  { v1: 'cpuset.cpus', v2: 'cpuset.cpus', how: 'same list' },
  { v1: 'cpuset.mems', v2: 'cpuset.mems', how: 'same list' },
  { v1: 'blkio.weight', v2: 'io.weight', how: '1 + ((weight - 10) * 9999) / 990 (as runc and crun do)' },
  { v1: 'pids.max', v2: 'pids.max', how: 'same' },
  { v1: 'hugetlb.SIZE.limit_in_bytes', v2: 'hugetlb.SIZE.max', how: 'same bytes' },
];

/** v1 keys with no v2 file to become, and what to do instead. */
export const V1_REFUSALS: ReadonlyArray<{ v1: string; hint: string }> = [
  { v1: 'memory.swappiness', hint: 'cgroup v2 has no per-group swappiness: remove it (the host\'s vm.swappiness applies)' },
  { v1: 'memory.kmem.*', hint: 'cgroup v2 counts kernel memory in memory.max: remove it' },
  { v1: 'memory.oom_control', hint: 'cgroup v2 has no such switch: remove it' },
  { v1: 'memory.use_hierarchy', hint: 'cgroup v2 is always hierarchical: remove it' },
  { v1: 'memory.move_charge_at_immigrate', hint: 'cgroup v2 does not move charges: remove it' },
  { v1: 'cpu.rt_runtime_us', hint: 'cgroup v2 has no real-time CPU budget for a container: remove it' },
  { v1: 'cpu.rt_period_us', hint: 'cgroup v2 has no real-time CPU budget for a container: remove it' },
  { v1: 'cpuacct.*', hint: 'cpuacct only reports usage: remove it' },
  { v1: 'devices.allow', hint: 'give the container a device with `config: {lxc.cgroup2.devices.allow: ...}` and `allow_config: [lxc.cgroup2.devices.allow]`' },
  { v1: 'devices.deny', hint: 'write `config: {lxc.cgroup2.devices.deny: ...}`' },
  { v1: 'freezer.state', hint: 'use `locker freeze` and `locker unfreeze`' },
  { v1: 'net_cls.classid', hint: 'cgroup v2 has no net_cls: tag traffic by the container\'s address instead' },
  { v1: 'net_prio.ifpriomap', hint: 'cgroup v2 has no net_prio: remove it' },
  { v1: 'blkio.throttle.*', hint: 'write `config: {lxc.cgroup2.io.max: "MAJ:MIN rbps=N wbps=N"}`' },
  { v1: 'blkio.weight_device', hint: 'write `config: {lxc.cgroup2.io.weight: "MAJ:MIN WEIGHT"}`' },
  { v1: 'perf_event.*', hint: 'perf_event has no settings: remove it' },
];

export interface V1Translated {
  setting: CgroupSetting;
  /** The entries it comes from, as a host with the controller on cgroup v1 takes them (bytes without suffix). */
  v1: CgroupSetting[];
  /** The entry the v2 setting comes from (the quota's, for cpu.max from quota and period). */
  index: number;
}

export type V1Outcome = { ok: true; settings: V1Translated[] } | { ok: false; index: number; message: string; hint?: string };

const KNOWN_V1 = ['memory.limit_in_bytes', 'memory.soft_limit_in_bytes', 'memory.memsw.limit_in_bytes', 'cpu.shares', 'cpu.cfs_quota_us', 'cpu.cfs_period_us', 'cpuset.cpus', 'cpuset.mems', 'blkio.weight', 'pids.max'];

/** Every v1 key this module knows, translatable or not: the candidates of a "did you mean". */
export const V1_KEYS: readonly string[] = [...KNOWN_V1, ...V1_REFUSALS.map((r) => r.v1).filter((k) => !k.includes('*'))];

const HUGETLB_V1 = /^hugetlb\.([0-9]{1,4}[KMG]B)\.limit_in_bytes$/;
const CPU_LIST = /^[0-9]{1,4}(-[0-9]{1,4})?(,[0-9]{1,4}(-[0-9]{1,4})?)*$/;
const SUFFIX: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

type Fail = { ok: false; index: number; message: string; hint?: string };

/** `["memory.limit_in_bytes=200000000", "cpu.shares=512"]` -> memory.max and cpu.weight. */
export function translateCgroupV1(entries: readonly string[], suggest: (key: string, candidates: readonly string[]) => string | undefined): V1Outcome {
  const byKey = new Map<string, { value: string; index: number }>();
  for (const [index, entry] of entries.entries()) {
    const eq = entry.indexOf('=');
    if (eq <= 0) return { ok: false, index, message: `cgroup entry "${entry}" is not KEY=VALUE`, hint: 'write it as the old Locker did, e.g. "memory.limit_in_bytes=200000000"' };
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    const twin = byKey.get(key);
    if (twin !== undefined) return { ok: false, index, message: `cgroup sets ${key} twice (first in entry ${twin.index})`, hint: 'keep one of them' };
    byKey.set(key, { value, index });
  }
  const out: V1Translated[] = [];
  const fail = (index: number, message: string, hint?: string): Fail => (hint === undefined ? { ok: false, index, message } : { ok: false, index, message, hint });
  for (const [key, { value, index }] of byKey) {
    const asWritten = (v1Value = value): CgroupSetting[] => [{ key, value: v1Value, v1: true }];
    const add = (v2: string, v: string, v1 = asWritten(v === 'max' && key.endsWith('limit_in_bytes') ? '-1' : v)) => out.push({ setting: { key: v2, value: v }, v1, index });
    const refusal = V1_REFUSALS.find((r) => (r.v1.endsWith('*') ? key.startsWith(r.v1.slice(0, -1)) : r.v1 === key));
    if (refusal !== undefined) return fail(index, `cgroup v1 setting ${key} has no cgroup v2 translation`, refusal.hint);
    const hugetlb = HUGETLB_V1.exec(key);
    const bytes = (allowMax: boolean) => readBytes(value, allowMax);
    const badValue = (rule: string) => fail(index, `cgroup ${key} value ${JSON.stringify(value)} is not ${rule}`, 'the README lists how each cgroup v1 setting becomes a v2 one');
    switch (key) {
      case 'memory.limit_in_bytes':
      case 'memory.soft_limit_in_bytes': {
        const b = bytes(true);
        if (b === undefined) return badValue('bytes (K, M, G suffixes allowed) or -1');
        add(key === 'memory.limit_in_bytes' ? 'memory.max' : 'memory.low', b);
        break;
      }
      case 'memory.memsw.limit_in_bytes': {
        const b = bytes(true);
        if (b === undefined) return badValue('bytes (K, M, G suffixes allowed) or -1');
        if (b === 'max') {
          add('memory.swap.max', 'max', asWritten('-1'));
          break;
        }
        const mem = byKey.get('memory.limit_in_bytes');
        const memBytes = mem === undefined ? undefined : readBytes(mem.value, true);
        if (memBytes === undefined || memBytes === 'max') {
          return fail(index, 'memory.memsw.limit_in_bytes (memory plus swap) needs a memory.limit_in_bytes in the same list', 'cgroup v2 limits swap alone (memory.swap.max): give memory.limit_in_bytes too');
        }
        if (Number(b) < Number(memBytes)) return fail(index, `memory.memsw.limit_in_bytes ${value} is below memory.limit_in_bytes ${mem!.value}`, 'memsw counts memory plus swap: it cannot be lower than the memory limit');
        add('memory.swap.max', String(Number(b) - Number(memBytes)), asWritten(b));
        break;
      }
      case 'cpu.shares': {
        const shares = readInt(value);
        if (shares === undefined || shares < 2 || shares > 262_144) return badValue('a whole number from 2 to 262144');
        add('cpu.weight', String(toWeight(shares, 2, 262_144)), asWritten(String(shares)));
        break;
      }
      case 'cpu.cfs_period_us':
      case 'cpu.cfs_quota_us': {
        // One cpu.max from both; a period alone is "max PERIOD".
        if (key === 'cpu.cfs_period_us' && byKey.has('cpu.cfs_quota_us')) break;
        const quotaText = byKey.get('cpu.cfs_quota_us')?.value ?? '-1';
        const periodEntry = byKey.get('cpu.cfs_period_us');
        const period = periodEntry === undefined ? CPU_PERIOD_US : readInt(periodEntry.value);
        if (period === undefined || period < 1000 || period > 1_000_000) {
          return fail(periodEntry!.index, `cgroup cpu.cfs_period_us value ${JSON.stringify(periodEntry!.value)} is not a whole number of microseconds from 1000 to 1000000`);
        }
        const quota = readInt(quotaText);
        if (quotaText !== '-1' && (quota === undefined || quota < 1000)) return badValue('a whole number of microseconds of at least 1000, or -1');
        const v1 = [...(periodEntry === undefined ? [] : [{ key: 'cpu.cfs_period_us', value: String(period), v1: true as const }]), { key: 'cpu.cfs_quota_us', value: quotaText === '-1' ? '-1' : String(quota), v1: true as const }];
        add('cpu.max', `${quotaText === '-1' ? 'max' : quota} ${period}`, v1);
        break;
      }
      case 'cpuset.cpus':
      case 'cpuset.mems':
        if (!CPU_LIST.test(value)) return badValue('a list such as 0,1 or 0-3');
        add(key, value);
        break;
      case 'blkio.weight': {
        const w = readInt(value);
        if (w === undefined || w < 10 || w > 1000) return badValue('a whole number from 10 to 1000');
        add('io.weight', String(toWeight(w, 10, 1000)), asWritten(String(w)));
        break;
      }
      case 'pids.max': {
        const n = readInt(value);
        if (value !== 'max' && (n === undefined || n < 1 || n > 4_194_304)) return badValue('a whole number from 1 to 4194304, or max');
        add('pids.max', value, asWritten(value === 'max' ? value : String(n)));
        break;
      }
      default: {
        if (hugetlb !== null) {
          const b = bytes(true);
          if (b === undefined) return badValue('bytes or -1');
          add(`hugetlb.${hugetlb[1]}.max`, b);
          break;
        }
        const guess = suggest(key, V1_KEYS);
        return fail(index, `unknown cgroup v1 setting "${key}"`, guess === undefined ? `settings Locker translates: ${V1_TRANSLATIONS.map((t) => t.v1).join(', ')}` : `did you mean "${guess}"?`);
      }
    }
  }
  return { ok: true, settings: out };
}

/** `200000000`, `200M`, `-1` (max) -> bytes as text, or "max"; undefined when unreadable. */
function readBytes(value: string, allowMax: boolean): string | undefined {
  if (allowMax && value === '-1') return 'max';
  const m = /^([0-9]{1,19})([KMG]?)$/i.exec(value);
  if (m === null) return undefined;
  const n = Number(m[1]) * SUFFIX[m[2]!.toUpperCase()]!;
  return Number.isSafeInteger(n) && n > 0 ? String(n) : undefined;
}

function readInt(value: string): number | undefined {
  return /^-?[0-9]{1,10}$/.test(value) ? Number(value) : undefined;
}

/** A v1 weight in [min, max] as a v2 weight in [1, 10000], by the kernel's (and runc's) linear formula. */
function toWeight(value: number, min: number, max: number): number {
  return 1 + Math.floor(((value - min) * 9999) / (max - min));
}
