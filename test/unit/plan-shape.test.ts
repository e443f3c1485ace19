// set-limits and set-config: planned before the first start, as drift after; limits change live (no
// restart), raw keys restart only a running container whose changed keys LXC reads at start; and a host
// with a controller on cgroup v1 only gets the limit's v1 files instead, and one with the controller on
// neither hierarchy is refused, since LXC would ignore the limit.

import { describe, expect, it } from 'vitest';
import type { ObservedHost } from '../../plans/index.js';
import type { ContainerSpec, SpecRef } from '../../src/spec/types.js';
import { limitV1Files } from '../../src/rules/cgroup-host.js';
import { thrown } from '../helpers/errors.js';
import { container, desired, host, observedOf, world } from './plan-fixtures.js';
import { plan } from './plan-network-fixtures.js';

const at = (line: number, path: string): SpecRef => ({ file: 'locker.yml', line, col: 5, path });

function shaped(over: { memory?: string; pids?: string; config?: Array<[string, string[]]>; allow?: string[] } = {}): ContainerSpec {
  const spec = container('web');
  spec.cgroup = [
    ...(over.memory === undefined ? [] : [{ key: 'memory.max', value: over.memory, v1: limitV1Files({ key: 'memory.max', value: over.memory }), from: `limits.memory: ${over.memory}`, ref: at(4, 'web.limits.memory') }]),
    ...(over.pids === undefined ? [] : [{ key: 'pids.max', value: over.pids, v1: limitV1Files({ key: 'pids.max', value: over.pids }), from: `limits.pids: ${over.pids}`, ref: at(5, 'web.limits.pids') }]),
  ];
  if (spec.cgroup.length === 0) delete spec.cgroup;
  if (over.config !== undefined) spec.config = over.config.map(([key, values], i) => ({ key, values, ref: at(8 + i, `web.config.${key}`) }));
  if (over.allow !== undefined) spec.allowConfig = over.allow;
  return spec;
}

/** The host with `web` converged as `as` says, RUNNING unless told otherwise. */
function hostWith(as: ContainerSpec, state: 'RUNNING' | 'STOPPED' = 'RUNNING', over: Partial<ObservedHost> = {}) {
  return world({ ...host('local', [observedOf(as, state)]), ...over });
}

const steps = (p: ReturnType<typeof plan>) => p.actions.map((a) => `${a.symbol} ${a.kind}: ${a.detail}`);

describe('set-limits and set-config', () => {
  it('a new container gets its limits and raw keys before its first start', () => {
    const spec = shaped({ memory: '536870912', config: [['lxc.apparmor.profile', ['unconfined']]], allow: ['lxc.apparmor.profile'] });
    const p = plan(desired(spec), world(host('local')));
    const kinds = p.actions.map((a) => a.kind);
    expect(kinds.indexOf('set-limits')).toBeLessThan(kinds.indexOf('start'));
    expect(kinds.indexOf('set-config')).toBeLessThan(kinds.indexOf('start'));
    const limits = p.actions.find((a) => a.kind === 'set-limits')!;
    expect(limits).toMatchObject({ symbol: '+', reason: 'missing', detail: 'memory.max 536870912 (limits.memory: 536870912)', specRef: at(4, 'web.limits.memory') });
    expect(limits.params).toEqual({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '536870912' }] });
    const config = p.actions.find((a) => a.kind === 'set-config')!;
    expect(config.detail).toBe('lxc.apparmor.profile = unconfined; opted in: lxc.apparmor.profile');
    expect(config.params).toEqual({ kind: 'set-config', lines: [{ key: 'lxc.apparmor.profile', value: 'unconfined' }], allowed: ['lxc.apparmor.profile'] });
  });

  it('a new container without limits or raw keys gets neither step', () => {
    const p = plan(desired(container('web')), world(host('local')));
    expect(p.actions.map((a) => a.kind)).not.toContain('set-limits');
    expect(p.actions.map((a) => a.kind)).not.toContain('set-config');
  });

  it('a converged container plans nothing', () => {
    const spec = shaped({ memory: '536870912', pids: '200', config: [['lxc.environment', ['A=1', 'B=2']]] });
    expect(plan(desired(spec), hostWith(spec)).actions).toEqual([]);
  });

  it('a changed limit of a running container is set live: no stop, no start', () => {
    const before = shaped({ memory: '268435456', pids: '200' });
    const p = plan(desired(shaped({ memory: '536870912' })), hostWith(before));
    expect(steps(p)).toEqual(['~ set-limits: +memory.max=536870912 -memory.max=268435456 -pids.max=200 (live, no restart)']);
    expect(p.actions[0]!.params).toEqual({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '536870912' }] });
  });

  it('limits removed: set-limits with none', () => {
    const p = plan(desired(container('web')), hostWith(shaped({ pids: '200' }), 'STOPPED'));
    expect(steps(p)).toContain('~ set-limits: -pids.max=200');
  });

  it('a changed raw key of a running container restarts it around set-config (up)', () => {
    const p = plan(desired(shaped({ config: [['lxc.tty.max', ['4']]] })), hostWith(shaped({ config: [['lxc.tty.max', ['2']]] })));
    expect(steps(p)).toEqual([
      '|| stop: restart to apply config',
      '~ set-config: +lxc.tty.max = 4 -lxc.tty.max = 2 (needs a restart: lxc.tty.max)',
      '> start: restart to apply config',
    ]);
  });

  it('a raw key LXC reads when it is used needs no restart', () => {
    const p = plan(desired(shaped({ config: [['lxc.start.delay', ['5']]] })), hostWith(shaped()));
    expect(steps(p)).toEqual(['~ set-config: +lxc.start.delay = 5 (no restart needed)']);
  });

  it('create never restarts: the raw key waits for the next start', () => {
    const p = plan(desired(shaped({ config: [['lxc.tty.max', ['4']]] })), hostWith(shaped()), 'create');
    expect(p.actions.map((a) => a.kind)).toEqual(['set-config']);
  });

  it('the order of a repeated key is a change (LXC reads lists in order)', () => {
    const p = plan(desired(shaped({ config: [['lxc.environment', ['B=2', 'A=1']]] })), hostWith(shaped({ config: [['lxc.environment', ['A=1', 'B=2']]] })), 'create');
    expect(steps(p)).toEqual(['~ set-config: order of lines differs (needs a restart: lxc.environment)']);
  });

  it('a clone\'s inherited block does not count: its limits are planned as its own', () => {
    const spec = shaped({ memory: '536870912' });
    const inherited = observedOf(spec, 'STOPPED');
    inherited.managed = { ...inherited.managed!, container: 'origin' };
    const p = plan(desired(spec), world(host('local', [inherited])), 'create');
    expect(p.actions.find((a) => a.kind === 'set-limits')?.params).toEqual({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '536870912' }] });
  });

  it.each<[string, Pick<ObservedHost, 'cgroup2' | 'cgroup1'>, RegExp, string]>([
    ['a host with memory on neither hierarchy', { cgroup2: ['hugetlb', 'pids'], cgroup1: ['cpu', 'pids'] }, /web sets cgroup memory\.max, but host "local" has the memory controller neither on cgroup v2 nor as a cgroup v1 hierarchy: LXC would ignore it$/, 'enable the memory controller'],
    ['an agent older than limits', {}, /does not report its cgroup controllers/, 'upgrade locker'],
    ['an agent older than v1 limits, on a hybrid host', { cgroup2: ['hugetlb'] }, /does not report its cgroup controllers \(it predates limits on cgroup v1 hosts\)/, 'upgrade locker'],
  ])('refuses limits on %s, at the limit', (_what, cgroups, message, hint) => {
    const spec = shaped({ memory: '536870912' });
    const h = { ...host('local'), ...cgroups };
    if (!('cgroup2' in cgroups)) delete h.cgroup2;
    if (!('cgroup1' in cgroups)) delete h.cgroup1;
    const e = thrown(() => plan(desired(spec), world(h)));
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toMatch(message);
    expect(e.hint).toContain(hint);
    expect(e.location).toEqual({ file: 'locker.yml', line: 4, col: 5, path: 'web.limits.memory' });
  });

  it('a host without cgroup v2 still takes raw keys that are no cgroup files', () => {
    const spec = shaped({ config: [['lxc.tty.max', ['4']]] });
    expect(plan(desired(spec), world({ ...host('local'), cgroup2: [] })).actions.map((a) => a.kind)).toContain('set-config');
  });
});

describe('set-limits on a host with controllers on cgroup v1 (v1 or hybrid)', () => {
  const HYBRID = { cgroup2: ['hugetlb'], cgroup1: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids'] };
  const v1 = (key: string, value: string) => ({ key, value, v1: true as const });
  /** `web` converged on a hybrid host: its block holds the v1 files of `as`. */
  function onHybrid(as: ContainerSpec, state: 'RUNNING' | 'STOPPED' = 'RUNNING') {
    const observed = observedOf(as, state);
    observed.managed!.cgroup = (as.cgroup ?? []).flatMap((c) => c.v1);
    if (observed.managed!.cgroup.length === 0) delete observed.managed!.cgroup;
    return world({ ...host('local', [observed]), ...HYBRID });
  }

  it('a new container gets the v1 files of its limits, and the plan says so', () => {
    const p = plan(desired(shaped({ memory: '67108864', pids: '64' })), world({ ...host('local'), ...HYBRID }));
    const limits = p.actions.find((a) => a.kind === 'set-limits')!;
    expect(limits.detail).toBe('memory.limit_in_bytes 67108864 (limits.memory: 67108864), pids.max 64 (limits.pids: 64) (cgroup v1 on this host)');
    expect(limits.params).toEqual({ kind: 'set-limits', settings: [v1('memory.limit_in_bytes', '67108864'), v1('pids.max', '64')] });
  });

  it('a converged container plans nothing; a changed limit is set live', () => {
    expect(plan(desired(shaped({ memory: '67108864', pids: '64' })), onHybrid(shaped({ memory: '67108864', pids: '64' }))).actions).toEqual([]);
    const p = plan(desired(shaped({ memory: '134217728', pids: '64' })), onHybrid(shaped({ memory: '67108864', pids: '64' })));
    expect(steps(p)).toEqual(['~ set-limits: +memory.limit_in_bytes=134217728 -memory.limit_in_bytes=67108864 (cgroup v1 on this host; live, no restart)']);
  });

  it('chooses per controller: memory on cgroup v2, pids on v1', () => {
    const p = plan(desired(shaped({ memory: '67108864', pids: '64' })), world({ ...host('local'), cgroup2: ['memory'], cgroup1: ['pids'] }));
    const limits = p.actions.find((a) => a.kind === 'set-limits')!;
    expect(limits.params).toEqual({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '67108864' }, v1('pids.max', '64')] });
    expect(limits.detail).toMatch(/\(cgroup v1 on this host: pids\)$/);
  });

  it('a host moved from cgroup v1 to v2 rewrites the limits as v2 files (pids.max of either is told apart)', () => {
    const spec = shaped({ pids: '64' });
    const moved = onHybrid(spec);
    moved.set('local', { ...moved.get('local')!, cgroup2: ['cpu', 'memory', 'pids'], cgroup1: [] });
    expect(steps(plan(desired(spec), moved))).toEqual(['~ set-limits: +pids.max=64 -pids.max=64 (v1) (live, no restart)']);
  });

  it('removed limits: set-limits with none (the agent puts the v1 defaults back)', () => {
    const p = plan(desired(container('web')), onHybrid(shaped({ memory: '67108864' })));
    expect(steps(p)).toEqual(['~ set-limits: -memory.limit_in_bytes=67108864 (live, no restart)']);
    expect(p.actions[0]!.params).toEqual({ kind: 'set-limits', settings: [] });
  });

  it('a raw lxc.cgroup2 key is never translated: refused on a host without that cgroup v2 controller', () => {
    const spec = shaped({ config: [['lxc.cgroup2.memory.high', ['100000000']]] });
    const e = thrown(() => plan(desired(spec), world({ ...host('local'), ...HYBRID })));
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toBe('web sets cgroup memory.high, but host "local" has no cgroup v2 memory controller, and a raw lxc.cgroup2 key is not translated: LXC would ignore it');
    expect(e.location?.path).toBe('web.config.lxc.cgroup2.memory.high');
  });
});
