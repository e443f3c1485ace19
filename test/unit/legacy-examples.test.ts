// The original Locker's example specs, in our own words (test/fixtures/specs/legacy-*.yml: every key and
// value shape of run2fail/locker's docs/examples and docs/locker.yaml): each validates and plans on a
// fake host that has the external clone origin and a nameserver for $copy.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { host, world } from './plan-fixtures.js';
import { plan } from './plan-network-fixtures.js';

const dir = path.join(import.meta.dirname, '..', 'fixtures', 'specs');
const load = (file: string) => loadSpec({ text: readFileSync(path.join(dir, file), 'utf8'), file, project: 'legacy', specDir: '/srv/legacy' });
const fakeHost = () => world({ ...host('local', [{ name: 'golden', state: 'STOPPED', ipv4: [] }]), nameservers: { usable: ['192.0.2.53'], skipped: [] } });
const rows = (file: string) => plan(load(file), fakeHost()).actions.map((a) => `${a.container} ${a.symbol} ${a.kind}: ${a.detail}`);

describe('the original Locker\'s example specs', () => {
  it.each(['legacy-first.yml', 'legacy-containers.yml', 'legacy-simple.yml', 'legacy-download.yml'])('%s validates and plans', (file) => {
    const desired = load(file);
    expect(desired.containers.length).toBeGreaterThan(0);
    const steps = rows(file);
    for (const c of desired.containers) expect(steps.some((s) => s.startsWith(`${c.name} + `))).toBe(true);
  });

  it('the first format: ports, volumes with placeholders, fqdn, clone of an existing container, links, cgroup as v2', () => {
    const spec = load('legacy-first.yml');
    const front = spec.containers.find((c) => c.name === 'front')!;
    expect(front.source).toMatchObject({ kind: 'clone', origin: 'golden' });
    expect(front.volumes[0]!.hostPath).toBe('/srv/legacy/legacy_front/log');
    expect(spec.containers.find((c) => c.name === 'store')!.volumes[2]!.hostPath).toBe('/srv/legacy/store.example.org/data');
    expect(front.links.map((l) => `${l.target}:${l.alias}`)).toEqual(['store:storage']);
    expect(front.ports.map((p) => p.raw)).toEqual(['198.51.100.20:7002:7002', '198.51.100.20:7003:7003/tcp', '198.51.100.20:7003:7003/udp']);
    expect(Object.fromEntries(spec.containers.find((c) => c.name === 'worker')!.cgroup!.map((c) => [c.key, c.value]))).toEqual({ 'memory.max': '300000000', 'cpuset.cpus': '0,1', 'cpu.weight': '10' });
    expect(rows('legacy-first.yml')).toContain('worker + set-limits: cpu.weight 10 (cgroup: cpu.shares=256), cpuset.cpus 0,1 (cgroup: cpuset.cpus=0,1), memory.max 300000000 (cgroup: memory.limit_in_bytes=300000000)');
  });

  it('the later format: dns through a YAML anchor, $bridge and $copy resolved on the host', () => {
    const spec = load('legacy-containers.yml');
    const bridge = fakeHost().get('local')!.bridges[0]!.ipv4!.address;
    for (const name of ['front', 'worker']) {
      expect(spec.containers.find((c) => c.name === name)!.dns!.map((d) => d.value)).toEqual(['9.9.9.9', '$bridge', '$copy']);
      expect(rows('legacy-containers.yml')).toContain(`${name} + set-dns: nameservers 9.9.9.9, ${bridge}, 192.0.2.53 (from $bridge, $copy)`);
    }
  });

  it('download: planned like a template, one create row per image', () => {
    expect(rows('legacy-download.yml').filter((r) => r.includes('create'))).toEqual([
      'alpha + create: download debian bookworm amd64 from images.example.org',
      'beta + create: download fedora 39 amd64 from images.example.org',
    ]);
    const params = plan(load('legacy-download.yml'), fakeHost()).actions.find((a) => a.kind === 'create')!.params;
    expect(params).toEqual({ kind: 'create', template: 'download', args: { dist: 'debian', release: 'bookworm', arch: 'amd64', server: 'images.example.org' } });
  });

  it('simple: template arguments beyond the release reach the template', () => {
    expect(rows('legacy-simple.yml')).toContain('single + create: template debian arch=amd64 release=bookworm');
  });
});
