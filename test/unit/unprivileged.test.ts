// Unprivileged containers: the range allocator (pure slots, and claims in a folder: one range per clone
// family, never one for two others), Locker's line in /etc/subuid, the config's map, the spec's key and its
// located errors, the planner's refusal of a changed `unprivileged`, and the agent's check of the job field.

import { chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateJob } from '../../agents/index.js';
import { shiftOwnershipDown } from '../../agents/shift-ownership.js';
import { planChanges, type ActionParams } from '../../plans/index.js';
import {
  claimRange,
  ensureSubordinateRanges,
  joinRange,
  parseIdmap,
  pickSlot,
  rangeHolders,
  releaseRange,
  renderIdmap,
  renderMountEntry,
  parseLockerBlock,
  slotBase,
  slotOf,
  subordinateChange,
  LOCKER_IDS_FIRST,
  SUBORDINATE_LINE,
} from '../../src/lxc/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';
import { container, desired, host, observedOf, world } from './plan-fixtures.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'locker-ranges-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('range slots (pure)', () => {
  it('hands out the lowest free slot, 65536 ids each from Locker\'s first id', () => {
    expect(pickSlot(new Set())).toBe(0);
    expect(pickSlot(new Set([0, 1, 3]))).toBe(2);
    expect(pickSlot(new Set(Array.from({ length: 1024 }, (_, i) => i)))).toBeUndefined();
    expect(slotBase(2)).toBe(LOCKER_IDS_FIRST + 2 * 65536);
    expect(slotOf(slotBase(7))).toBe(7);
    expect(slotOf(100000)).toBeUndefined();
    expect(slotOf(LOCKER_IDS_FIRST + 1)).toBeUndefined();
    expect(slotOf(slotBase(1023) + 65536)).toBeUndefined();
  });

  it('reads the map LXC wrote into a config; none for a privileged one', () => {
    expect(parseIdmap(`lxc.arch = x86_64\n${renderIdmap(slotBase(3))}`)).toEqual({ uidBase: slotBase(3), gidBase: slotBase(3) });
    expect(parseIdmap('lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 200000 65536\n')).toEqual({ uidBase: 100000, gidBase: 200000 });
    expect(parseIdmap('lxc.arch = x86_64\n')).toBeUndefined();
  });

  it.each<[string, string, string]>([
    ['an empty file', '', 'append'],
    ['a user\'s range elsewhere', 'alice:100000:65536\n', 'append'],
    ['Locker\'s line already', `alice:100000:65536\n${SUBORDINATE_LINE}\n`, 'present'],
    ['a range inside Locker\'s block', 'bob:1000065536:65536\n', 'conflict'],
  ])('/etc/subuid with %s: %s', (_name, text, kind) => {
    expect(subordinateChange(text).kind).toBe(kind);
  });
});

describe('range claims (a folder)', () => {
  const a = { lxcpath: '/var/lib/lxc', container: 'demo_a' };
  const b = { lxcpath: '/var/lib/lxc', container: 'demo_b' };
  const clone = { lxcpath: '/var/lib/lxc', container: 'demo_a2' };

  it('never hands one range to two containers; a clone joins its origin\'s; the slot is free once all are gone', async () => {
    const dir = tmp();
    const first = await claimRange(a, dir);
    const second = await claimRange(b, dir);
    expect(first).toBe(slotBase(0));
    expect(second).toBe(slotBase(1));
    await joinRange(0, clone, dir);
    expect((await rangeHolders(0, dir)).map((h) => h.container).sort()).toEqual(['demo_a', 'demo_a2']);
    await releaseRange(0, a, dir);
    // The clone still uses it: not handed out again.
    expect(await claimRange({ lxcpath: '/x', container: 'c' }, dir)).toBe(slotBase(2));
    await releaseRange(0, clone, dir);
    expect(readdirSync(dir).sort()).toEqual(['1', '2']);
    expect(await claimRange({ lxcpath: '/x', container: 'd' }, dir)).toBe(slotBase(0));
  });

  it('claims made at once get different ranges', async () => {
    const dir = tmp();
    const bases = await Promise.all(Array.from({ length: 8 }, (_, i) => claimRange({ lxcpath: '/p', container: `c${i}` }, dir)));
    expect(new Set(bases).size).toBe(8);
  });

  it('a holder whose container is gone frees its slot only after an hour (lxc-create writes the config late)', async () => {
    const dir = tmp();
    const gone = { lxcpath: path.join(dir, 'no-lxcpath'), container: 'gone' };
    await claimRange(gone, dir);
    expect(await claimRange(a, dir)).toBe(slotBase(1));
    const [file] = readdirSync(path.join(dir, '0'));
    const old = new Date(Date.now() - 2 * 3600_000);
    utimesSync(path.join(dir, '0', file!), old, old);
    expect(await claimRange(b, dir)).toBe(slotBase(0));
  });

  it('adds Locker\'s line once, and refuses a file whose range overlaps the block', async () => {
    const dir = tmp();
    const subuid = path.join(dir, 'subuid');
    writeFileSync(subuid, 'alice:100000:65536');
    await ensureSubordinateRanges([subuid]);
    await ensureSubordinateRanges([subuid]);
    expect(readFileSync(subuid, 'utf8')).toBe(`alice:100000:65536\n${SUBORDINATE_LINE}\n`);
    const clash = path.join(dir, 'subgid');
    writeFileSync(clash, 'bob:1000065536:65536\n');
    expect(await ensureSubordinateRanges([clash]).catch((e) => e.message)).toMatch(/gives "bob:1000065536:65536", which overlaps Locker's ids/);
  });
});

describe('data copied out of an unprivileged rootfs', () => {
  it('is shifted down: BASE+N becomes N, ids outside the range stay, symlinks themselves are changed', async () => {
    const dir = tmp();
    const base = slotBase(5);
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'f'), 'x');
    writeFileSync(path.join(dir, 'other'), 'y');
    symlinkSync('/etc/passwd', path.join(dir, 'link'));
    chownSync(dir, base, base);
    chownSync(path.join(dir, 'sub'), base + 33, base + 33);
    chownSync(path.join(dir, 'sub', 'f'), base + 1000, base + 100);
    chownSync(path.join(dir, 'other'), 4242, 4242);
    lchownSync(path.join(dir, 'link'), base, base);
    await shiftOwnershipDown(dir, { uidBase: base, gidBase: base });
    const ids = (p: string) => [lstatSync(path.join(dir, p)).uid, lstatSync(path.join(dir, p)).gid];
    expect([ids('.'), ids('sub'), ids('sub/f'), ids('other'), ids('link')]).toEqual([[0, 0], [33, 33], [1000, 100], [4242, 4242], [0, 0]]);
    expect(lstatSync('/etc/passwd').uid).toBe(0);
  });
});

describe('idmapped volumes in Locker\'s block', () => {
  it('renders and reads idmap=container', () => {
    const line = renderMountEntry({ hostPath: '/srv/data', containerPath: '/data', readOnly: false, isFile: false, idmapped: true });
    expect(line).toBe('lxc.mount.entry = /srv/data data none bind,create=dir,idmap=container 0 0');
    const block = parseLockerBlock(`# locker:begin project=p container=c\n${line}\n# locker:end\n`);
    expect(block!.mounts[0]).toMatchObject({ hostPath: '/srv/data', idmapped: true });
  });
});

function load(lines: string[]) {
  return loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
}

describe('unprivileged in the spec', () => {
  it('is read per container and from defaults; false is the default and keeps the digest', () => {
    const spec = load(['defaults:', '  unprivileged: true', 'containers:', '  a:', '    template: busybox', '  b:', '    template: busybox', '    unprivileged: false']);
    expect(spec.containers[0]!.unprivileged?.ref).toMatchObject({ line: 2, col: 17, path: 'defaults.unprivileged' });
    expect(spec.containers[1]!.unprivileged).toBeUndefined();
    expect(load(['web:', '  template: busybox', '  unprivileged: false']).digest).toBe(load(['web:', '  template: busybox']).digest);
  });

  it.each<[string, string[], number, number, RegExp]>([
    ['a string', ['web:', '  template: busybox', '  unprivileged: "yes"'], 3, 17, /^unprivileged must be true or false, not the string yes$/],
    ['a number', ['web:', '  template: busybox', '  unprivileged: 1'], 3, 17, /^unprivileged must be true or false, not the number 1$/],
    [
      'a clone that differs from its origin',
      ['base:', '  template: busybox', '  unprivileged: true', 'copy:', '  clone: base', '  unprivileged: false'],
      5,
      10,
      /^copy clones base, which has unprivileged: true, but copy has unprivileged: false$/,
    ],
    ['an unprivileged clone of a privileged origin', ['base:', '  template: busybox', 'copy:', '  clone: base', '  unprivileged: true'], 5, 17, /which has unprivileged: false, but copy has unprivileged: true/],
  ])('refuses %s at its line and column', (_name, lines, line, col, message) => {
    const e = thrown(() => load(lines));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ file: 'locker.yml', line, col });
  });
});

describe('planning unprivileged', () => {
  const spec = { ...container('web', { line: 1 }), unprivileged: { ref: { file: 'locker.yml', line: 3, col: 17, path: 'web.unprivileged' } } };
  it('a new container is created with the map; a clone with its origin\'s', () => {
    const plan = planChanges({ desired: desired(spec), observed: world(host('local')), mode: 'up' });
    expect(plan.actions.find((a) => a.kind === 'create')).toMatchObject({ detail: 'template busybox, unprivileged', params: { unprivileged: true } });
  });

  it('a container already unprivileged plans nothing for it', () => {
    const o = { ...observedOf(spec), idmapBase: slotBase(0) };
    expect(planChanges({ desired: desired(spec), observed: world(host('local', [o])), mode: 'up' }).actions.filter((a) => a.kind === 'create')).toEqual([]);
  });

  it('refuses a changed unprivileged with the way to recreate it, at the key', () => {
    const e = thrown(() => planChanges({ desired: desired(spec), observed: world(host('local', [observedOf(spec)])), mode: 'up' }));
    expect(e.message).toBe('web exists privileged on host "local", but the spec says unprivileged: true');
    expect(e.hint).toMatch(/locker rm web` \(volumes on the host are kept\), then `locker up`/);
    expect(e.location).toMatchObject({ line: 3, col: 17, path: 'web.unprivileged' });
  });
});

describe('the agent checks unprivileged itself', () => {
  it.each<ActionParams>([
    { kind: 'create', template: 'busybox', args: {}, unprivileged: 'yes' as unknown as true },
    { kind: 'clone', origin: 'demo_base', snapshot: true, unprivileged: false as unknown as true },
  ])('refuses %o', (params) => {
    expect(thrown(() => validateJob(makeJob(makeAction(params)), 'local')).message).toMatch(/unprivileged .* is not true/);
  });
});
