// The per-controller choice between a limit's cgroup v2 file and its v1 files, the v1 files of limits:,
// the v1 value rules the agent applies, the defaults a dropped limit goes back to, and how a live v1
// value read back is compared (pure).

import { describe, expect, it } from 'vitest';
import { cgroupDefault, describeBadCgroupSetting, sameLiveValue } from '../../src/rules/cgroup.js';
import { chooseCgroupFiles, limitV1Files } from '../../src/rules/cgroup-host.js';

const v1 = (key: string, value: string) => ({ key, value, v1: true as const });
const memory = { key: 'memory.max', value: '67108864', v1: [v1('memory.limit_in_bytes', '67108864')] };
const cpus = { key: 'cpu.max', value: '150000 100000', v1: limitV1Files({ key: 'cpu.max', value: '150000 100000' }) };

describe('chooseCgroupFiles', () => {
  it.each([
    ['v2 has the controller: its v2 file, whatever v1 has', { v2: ['memory'], v1: ['memory'] }, [{ key: 'memory.max', value: '67108864' }]],
    ['only v1 has it (hybrid): its v1 files', { v2: ['hugetlb'], v1: ['memory', 'pids'] }, [v1('memory.limit_in_bytes', '67108864')]],
    ['neither has it', { v2: ['pids'], v1: ['cpu'] }, undefined],
  ])('%s', (_what, host, files) => {
    expect(chooseCgroupFiles(memory, host)).toEqual(files);
  });

  it('cpus on v1: period and quota, both on the cpu controller', () => {
    expect(chooseCgroupFiles(cpus, { v2: [], v1: ['cpu'] })).toEqual([v1('cpu.cfs_period_us', '100000'), v1('cpu.cfs_quota_us', '150000')]);
  });

  it('a limit without v1 files is refused on a v1-only host', () => {
    expect(chooseCgroupFiles({ key: 'io.weight', value: '100', v1: [] }, { v2: [], v1: ['blkio'] })).toBeUndefined();
  });
});

describe('limitV1Files', () => {
  it.each([
    [{ key: 'memory.max', value: 'max' }, [v1('memory.limit_in_bytes', '-1')]],
    [{ key: 'cpu.max', value: 'max 100000' }, [v1('cpu.cfs_period_us', '100000'), v1('cpu.cfs_quota_us', '-1')]],
    [{ key: 'pids.max', value: '64' }, [v1('pids.max', '64')]],
  ])('%o', (v2, files) => {
    expect(limitV1Files(v2)).toEqual(files);
  });
});

describe('v1 settings as the agent judges them', () => {
  it.each([
    [v1('memory.limit_in_bytes', '67108864'), undefined],
    [v1('memory.memsw.limit_in_bytes', '-1'), undefined],
    [v1('cpu.shares', '512'), undefined],
    [v1('cpu.cfs_quota_us', '999'), /is not microseconds of at least 1000, or -1/],
    [v1('blkio.weight', '5'), /from 10 to 1000/],
    [v1('memory.limit_in_bytes', '64M'), /is not bytes or -1/],
    [v1('memory.max', '1'), /"memory.max" is not a cgroup v1 file Locker sets/],
    [v1('memory.kmem.limit_in_bytes', '1'), /not a cgroup v1 file/],
    [v1('../memory.limit_in_bytes', '1'), /not a cgroup v1 file/],
    [{ key: 'memory.limit_in_bytes', value: '1' }, /not a cgroup v2 file/],
  ])('%o', (setting, bad) => {
    const found = describeBadCgroupSetting(setting);
    if (bad === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(bad);
  });
});

describe('defaults and live values', () => {
  it.each([
    [v1('memory.limit_in_bytes', '1'), '-1'],
    [v1('memory.memsw.limit_in_bytes', '1'), '-1'],
    [v1('cpu.cfs_quota_us', '1000'), '-1'],
    [v1('cpu.cfs_period_us', '1000'), '100000'],
    [v1('cpu.shares', '2'), '1024'],
    [v1('pids.max', '2'), 'max'],
    [v1('cpuset.cpus', '0'), undefined],
    [{ key: 'memory.max', value: '1' }, 'max'],
  ])('a dropped %o goes back to %s', (setting, value) => {
    expect(cgroupDefault(setting)).toBe(value);
  });

  it('a v1 memory size reads back in whole pages, and -1 as the largest one', () => {
    expect(sameLiveValue(v1('memory.limit_in_bytes', '200000000'), '199999488')).toBe(true);
    expect(sameLiveValue(v1('memory.limit_in_bytes', '200000000'), '134217728')).toBe(false);
    expect(sameLiveValue(v1('memory.limit_in_bytes', '-1'), '9223372036854771712')).toBe(true);
    expect(sameLiveValue(v1('pids.max', '64'), '64')).toBe(true);
    expect(sameLiveValue({ key: 'memory.max', value: '200000000' }, '199999488')).toBe(false);
  });
});
