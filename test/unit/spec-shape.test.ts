// limits:, the old cgroup: list and raw LXC keys under config:: what each becomes, and every refusal
// located at the value that caused it.

import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import type { ContainerSpec } from '../../src/spec/types.js';
import { thrown } from '../helpers/errors.js';

function load(lines: string[]): ContainerSpec {
  return loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' }).containers[0]!;
}

const web = (...rest: string[]) => ['web:', '  template: busybox', ...rest];
const cgroupOf = (c: ContainerSpec) => Object.fromEntries((c.cgroup ?? []).map((s) => [s.key, s.value]));
/** The v1 files each v2 one becomes on a host with its controller on cgroup v1 only. */
const v1Of = (c: ContainerSpec) => Object.fromEntries((c.cgroup ?? []).map((s) => [s.key, s.v1.map((f) => `${f.key}=${f.value}${f.v1 === true ? '' : ' (not v1?)'}`)]));

describe('limits', () => {
  it('become cgroup v2 files: memory.max in bytes, cpu.max as quota and period, pids.max', () => {
    const c = load(web('  limits: {memory: 512M, cpus: 1.5, pids: 200}'));
    expect(cgroupOf(c)).toEqual({ 'memory.max': '536870912', 'cpu.max': '150000 100000', 'pids.max': '200' });
    expect(c.cgroup!.map((s) => s.from)).toEqual(['limits.cpus: 1.5', 'limits.memory: 512M', 'limits.pids: 200']);
  });

  it('carry their cgroup v1 files for a host that has the controller on v1 only', () => {
    const c = load(web('  limits: {memory: 512M, cpus: 1.5, pids: 200}'));
    expect(v1Of(c)).toEqual({
      'memory.max': ['memory.limit_in_bytes=536870912'],
      'cpu.max': ['cpu.cfs_period_us=100000', 'cpu.cfs_quota_us=150000'],
      'pids.max': ['pids.max=200'],
    });
  });

  it('come from defaults, a container\'s own replacing them', () => {
    const spec = loadSpec({
      text: ['defaults:', '  limits: {memory: 1G}', 'containers:', '  a: {template: busybox}', '  b: {template: busybox, limits: {pids: 50}}', ''].join('\n'),
      file: 'locker.yml',
      project: 'demo',
      specDir: '/srv/demo',
    });
    expect(spec.containers.map(cgroupOf)).toEqual([{ 'memory.max': '1073741824' }, { 'pids.max': '50' }]);
  });

  it.each<[string, string, number, number, string, RegExp]>([
    ['memory with a space', '  limits: {memory: 512 MB}', 3, 20, 'web.limits.memory', /limits.memory "512 MB" is not a size/],
    ['negative memory', '  limits: {memory: -1}', 3, 20, 'web.limits.memory', /limits.memory -1 is not a size/],
    ['no CPUs', '  limits: {cpus: 0}', 3, 18, 'web.limits.cpus', /limits.cpus 0 is not a number of CPUs/],
    ['CPUs as text', '  limits: {cpus: "two"}', 3, 18, 'web.limits.cpus', /limits.cpus "two"/],
    ['no processes', '  limits: {pids: 0}', 3, 18, 'web.limits.pids', /limits.pids 0 is not a whole number/],
    ['a misspelt limit', '  limits: {memroy: 1G}', 3, 12, 'web.limits.memroy', /unknown key "memroy" in limits/],
  ])('refuse %s, located', (_what, line, l, col, path, message) => {
    const e = thrown(() => load(web(line)));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toEqual({ file: 'locker.yml', line: l, col, path });
    expect(e.hint).toBeTruthy();
  });
});

describe('cgroup: the old v1 list, translated to v2', () => {
  it('translates the example of Locker\'s later repository', () => {
    const c = load(web('  cgroup:', '  - "memory.limit_in_bytes=200000000"', '  - "cpuset.cpus=0,1"', '  - "cpu.shares=512"'));
    // cpu.weight = 1 + ((512 - 2) * 9999) / 262142 = 20 (integer division, the kernel's formula)
    expect(cgroupOf(c)).toEqual({ 'memory.max': '200000000', 'cpuset.cpus': '0,1', 'cpu.weight': '20' });
    expect(c.cgroup!.find((s) => s.key === 'cpu.weight')!.ref.path).toBe('web.cgroup[2]');
  });

  it('keeps each entry as written for a host with the controller on cgroup v1 (sizes in bytes, -1 kept)', () => {
    const c = load(web('  cgroup:', '  - "memory.limit_in_bytes=256M"', '  - "memory.memsw.limit_in_bytes=-1"', '  - "cpu.shares=512"', '  - "cpu.cfs_quota_us=50000"', '  - "cpu.cfs_period_us=200000"', '  - "cpuset.cpus=0,1"', '  - "blkio.weight=500"', '  - "pids.max=max"'));
    expect(v1Of(c)).toEqual({
      'memory.max': ['memory.limit_in_bytes=268435456'],
      'memory.swap.max': ['memory.memsw.limit_in_bytes=-1'],
      'cpu.weight': ['cpu.shares=512'],
      'cpu.max': ['cpu.cfs_period_us=200000', 'cpu.cfs_quota_us=50000'],
      'cpuset.cpus': ['cpuset.cpus=0,1'],
      'io.weight': ['blkio.weight=500'],
      'pids.max': ['pids.max=max'],
    });
  });

  it('reads the first format with template, links and the cgroup list together, as the old Locker wrote it', () => {
    const spec = loadSpec({
      text: ['db:', '  template: {name: "ubuntu", release: "precise"}', 'foo:', '  template:', '    name: "ubuntu"', '    release: "precise"', '  links:', '  - "db"', '  cgroup:', '  - "memory.limit_in_bytes=200000000"', '  - "cpuset.cpus=0,1"', '  - "cpu.shares=512"', ''].join('\n'),
      file: 'locker.yml',
      project: 'demo',
      specDir: '/srv/demo',
    });
    expect(cgroupOf(spec.containers.find((c) => c.name === 'foo')!)).toEqual({ 'memory.max': '200000000', 'cpuset.cpus': '0,1', 'cpu.weight': '20' });
  });

  it.each<[string[], Record<string, string>]>([
    [['cpu.shares=1024'], { 'cpu.weight': '39' }],
    [['cpu.shares=2'], { 'cpu.weight': '1' }],
    [['cpu.shares=262144'], { 'cpu.weight': '10000' }],
    [['cpu.cfs_quota_us=50000', 'cpu.cfs_period_us=200000'], { 'cpu.max': '50000 200000' }],
    [['cpu.cfs_quota_us=-1'], { 'cpu.max': 'max 100000' }],
    [['cpu.cfs_quota_us=20000'], { 'cpu.max': '20000 100000' }],
    [['memory.limit_in_bytes=256M', 'memory.memsw.limit_in_bytes=384M'], { 'memory.max': '268435456', 'memory.swap.max': '134217728' }],
    [['memory.memsw.limit_in_bytes=-1'], { 'memory.swap.max': 'max' }],
    [['memory.limit_in_bytes=-1'], { 'memory.max': 'max' }],
    [['memory.soft_limit_in_bytes=100M'], { 'memory.low': '104857600' }],
    [['blkio.weight=500'], { 'io.weight': '4950' }],
    [['blkio.weight=10'], { 'io.weight': '1' }],
    [['cpuset.mems=0'], { 'cpuset.mems': '0' }],
    [['pids.max=100'], { 'pids.max': '100' }],
    [['hugetlb.2MB.limit_in_bytes=4194304'], { 'hugetlb.2MB.max': '4194304' }],
  ])('%j -> %j', (entries, v2) => {
    expect(cgroupOf(load(web('  cgroup:', ...entries.map((e) => `  - "${e}"`))))).toEqual(v2);
  });

  it.each<[string[], number, RegExp, RegExp]>([
    [['memory.swappiness=10'], 0, /memory.swappiness has no cgroup v2 translation/, /vm.swappiness/],
    [['devices.allow=c 1:3 rwm'], 0, /devices.allow has no cgroup v2 translation/, /allow_config: \[lxc.cgroup2.devices.allow\]/],
    [['freezer.state=FROZEN'], 0, /no cgroup v2 translation/, /locker freeze/],
    [['blkio.throttle.read_bps_device=8:0 1048576'], 0, /no cgroup v2 translation/, /lxc.cgroup2.io.max/],
    [['memory.kmem.limit_in_bytes=1'], 0, /no cgroup v2 translation/, /memory.max/],
    [['memory.limit_in_byte=1'], 0, /unknown cgroup v1 setting "memory.limit_in_byte"/, /did you mean "memory.limit_in_bytes"/],
    [['cpu.shares'], 0, /is not KEY=VALUE/, /memory.limit_in_bytes=200000000/],
    [['cpu.shares=1'], 0, /cpu.shares value "1" is not a whole number from 2 to 262144/, /.*/],
    [['cpuset.cpus=0;reboot'], 0, /cpuset.cpus value/, /.*/],
    [['cpu.shares=512', 'cpu.shares=1024'], 1, /sets cpu.shares twice/, /keep one/],
    [['memory.memsw.limit_in_bytes=1G'], 0, /needs a memory.limit_in_bytes in the same list/, /memory.swap.max/],
    [['memory.limit_in_bytes=1G', 'memory.memsw.limit_in_bytes=512M'], 1, /is below memory.limit_in_bytes/, /.*/],
  ])('refuses %j at its entry', (entries, index, message, hint) => {
    const e = thrown(() => load(web('  cgroup:', ...entries.map((x) => `  - "${x}"`))));
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.location).toEqual({ file: 'locker.yml', line: 4 + index, col: 5, path: `web.cgroup[${index}]` });
  });

  it('refuses limits: and cgroup: on one v2 file, at the second', () => {
    const e = thrown(() => load(web('  limits: {memory: 1G}', '  cgroup: ["memory.limit_in_bytes=200000000"]')));
    expect(e.message).toBe('cgroup: memory.limit_in_bytes=200000000 sets cgroup memory.max, which limits.memory: 1G (web.limits.memory) sets already');
    expect(e.location?.path).toBe('web.cgroup[0]');
  });

  it('refuses cgroup: and a raw lxc.cgroup2 key on one file', () => {
    const e = thrown(() => load(web('  cgroup: ["cpu.shares=512"]', '  config: {lxc.cgroup2.cpu.weight: 50}')));
    expect(e.message).toMatch(/config: lxc.cgroup2.cpu.weight sets cgroup cpu.weight, which cgroup: cpu.shares=512/);
  });
});

describe('config: raw LXC keys', () => {
  it('keeps keys sorted, list values in order, numbers as written, values trimmed', () => {
    const c = load(web('  config:', '    lxc.tty.max: 4', '    lxc.environment: ["A=b=c", "X=1"]', '    lxc.apparmor.profile: " generated "'));
    expect(c.config!.map((x) => [x.key, x.values])).toEqual([
      ['lxc.apparmor.profile', ['generated']],
      ['lxc.environment', ['A=b=c', 'X=1']],
      ['lxc.tty.max', ['4']],
    ]);
  });

  it.each<[string, string[], string, RegExp, RegExp]>([
    ['the network', ['    lxc.net.0.link: br0'], 'web.config.lxc.net.0.link', /config cannot set lxc.net.0.link: Locker writes it/, /`bridge:` and `ipv4:`/],
    ['the host name', ['    lxc.uts.name: x'], 'web.config.lxc.uts.name', /Locker writes it/, /`fqdn:`/],
    ['Locker\'s hooks', ['    lxc.hook.mount: /x'], 'web.config.lxc.hook.mount', /Locker writes it/, /`links:`/],
    ['the id map', ['    lxc.idmap: u 0 100000 65536'], 'web.config.lxc.idmap', /Locker writes it/, /`unprivileged:`/],
    ['the boot order', ['    lxc.start.auto: 1'], 'web.config.lxc.start.auto', /Locker writes it/, /`autostart:`/],
    ['a limit', ['    lxc.cgroup2.memory.max: 1G'], 'web.config.lxc.cgroup2.memory.max', /Locker writes it/, /`limits:`/],
    ['a v1 cgroup key', ['    lxc.cgroup.cpu.shares: 512'], 'web.config.lxc.cgroup.cpu.shares', /Locker writes it/, /`cgroup:`/],
    ['a misspelt key', ['    lxc.aparmor.profile: generated'], 'web.config.lxc.aparmor.profile', /unknown LXC key "lxc.aparmor.profile"/, /did you mean "lxc.apparmor.profile"/],
    ['a key LXC does not have', ['    lxc.colour: red'], 'web.config.lxc.colour', /unknown LXC key/, /.*/],
    ['a legacy key', ['    lxc.aa_profile: unconfined'], 'web.config.lxc.aa_profile', /LXC 5 no longer reads "lxc.aa_profile"/, /LXC 3.0 renamed it: write `lxc.apparmor.profile`/],
    ['a legacy network key', ['    lxc.network.0.link: br0'], 'web.config.lxc.network.0.link', /no longer reads/, /write `lxc.net.0.link`/],
    ['a list for a key read once', ['    lxc.arch: [x86_64, i686]'], 'web.config.lxc.arch', /takes one value, not a list/, /.*/],
    ['a host hook', ['    lxc.hook.pre-start: /usr/local/bin/x'], 'web.config.lxc.hook.pre-start', /runs a program on the host/, /allow_config: \[lxc.hook.pre-start\]/],
    ['AppArmor off', ['    lxc.apparmor.profile: unconfined'], 'web.config.lxc.apparmor.profile', /turns AppArmor off/, /allow_config/],
    ['cleared capabilities', ['    lxc.cap.drop: ""'], 'web.config.lxc.cap.drop', /clears the capabilities/, /allow_config/],
    ['a device', ['    lxc.cgroup2.devices.allow: c 10:200 rwm'], 'web.config.lxc.cgroup2.devices.allow', /host devices/, /allow_config/],
    ['an extra mount', ['    lxc.mount.entry: /srv x none bind 0 0'], 'web.config.lxc.mount.entry', /mounts host file systems/, /allow_config/],
    ['an include', ['    lxc.include: /etc/x.conf'], 'web.config.lxc.include', /reads more keys/, /allow_config/],
    ['a host-wide sysctl', ['    lxc.sysctl.kernel.core_pattern: "|/tmp/x"'], 'web.config.lxc.sysctl.kernel.core_pattern', /whole host/, /allow_config/],
    ['seccomp', ['    lxc.seccomp.profile: ""'], 'web.config.lxc.seccomp.profile', /system calls/, /allow_config/],
    ['ephemeral', ['    lxc.ephemeral: 1'], 'web.config.lxc.ephemeral', /destroy the container/, /allow_config/],
    ['the rootfs', ['    lxc.rootfs.path: dir:/'], 'web.config.lxc.rootfs.path', /container's root/, /allow_config/],
  ])('refuses %s at its key', (_what, lines, path, message, hint) => {
    const e = thrown(() => load(web('  config:', ...lines)));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.location).toEqual({ file: 'locker.yml', line: 4, col: 5, path });
  });

  it('accepts a dangerous key listed in allow_config, and carries the allowance', () => {
    const c = load(web('  config: {lxc.apparmor.profile: unconfined, lxc.net.0.mtu: 1400}'.replace(', lxc.net.0.mtu: 1400', ''), '  allow_config: [lxc.apparmor.profile]'));
    expect(c.allowConfig).toEqual(['lxc.apparmor.profile']);
  });

  it('refuses an allow_config entry that is not a key of config:', () => {
    const e = thrown(() => load(web('  config: {lxc.apparmor.profile: unconfined}', '  allow_config: [lxc.apparmor.profil]')));
    expect(e.message).toBe('allow_config entry "lxc.apparmor.profil" is not a key of the config of web');
    expect(e.hint).toBe('did you mean "lxc.apparmor.profile"?');
    expect(e.location?.path).toBe('web.allow_config[0]');
  });

  it('keeps the digest of a spec without the new keys', () => {
    const a = loadSpec({ text: 'web: {template: busybox}\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    expect(a.containers[0]).not.toHaveProperty('cgroup');
    expect(a.containers[0]).not.toHaveProperty('config');
  });
});
