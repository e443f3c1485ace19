// dns: the spec's entries and their located refusals, the planner's set-dns (placeholders resolved on the
// host, before the first start, drift live), the resolv.conf block, and the host's nameservers for $copy.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ObservedContainer, ObservedHost } from '../../plans/index.js';
import { parseDnsBlock, readHostNameservers, renderResolvConf } from '../../src/lxc/index.js';
import { loadSpec } from '../../src/spec/index.js';
import type { ContainerSpec } from '../../src/spec/types.js';
import { thrown } from '../helpers/errors.js';
import { container, desired, host, observedOf, world } from './plan-fixtures.js';
import { plan } from './plan-network-fixtures.js';

function load(lines: string[]): ContainerSpec {
  return loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' }).containers[0]!;
}
const web = (...rest: string[]) => ['web:', '  template: busybox', ...rest];

describe('dns in the spec', () => {
  it('keeps addresses (canonical) and placeholders in order, from defaults too', () => {
    expect(load(web('  dns: ["8.8.8.8", "$bridge", "2001:4860:4860:0:0:0:0:8888", "$copy"]')).dns!.map((d) => d.value)).toEqual(['8.8.8.8', '$bridge', '2001:4860:4860::8888', '$copy']);
    const spec = loadSpec({ text: 'defaults:\n  dns: ["$bridge"]\ncontainers:\n  a: {template: busybox}\n  b: {template: busybox, dns: ["1.1.1.1"]}\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
    expect(spec.containers.map((c) => c.dns!.map((d) => d.value))).toEqual([['$bridge'], ['1.1.1.1']]);
  });

  it.each<[string, string, number, number, string, RegExp]>([
    ['an unknown placeholder', '  dns: ["8.8.8.8", "$gateway"]', 3, 20, 'web.dns[1]', /unknown dns placeholder "\$gateway"/],
    ['a name, not an address', '  dns: ["dns.google"]', 3, 9, 'web.dns[0]', /"dns.google" is not a nameserver address/],
    ['an address with a port', '  dns: ["8.8.8.8:53"]', 3, 9, 'web.dns[0]', /is not a nameserver address/],
    ['an address twice', '  dns: ["8.8.8.8", "8.8.8.8"]', 3, 20, 'web.dns[1]', /lists 8.8.8.8 twice/],
    ['four addresses', '  dns: ["1.1.1.1", "8.8.8.8", "9.9.9.9", "8.8.4.4"]', 3, 42, 'web.dns[3]', /at most 3/],
    ['a number', '  dns: [8]', 3, 9, 'web.dns[0]', /each entry of dns must be a string/],
  ])('refuses %s, located', (_what, line, l, col, p, message) => {
    const e = thrown(() => load(web(line)));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ file: 'locker.yml', line: l, path: p });
    expect(e.location!.col).toBe(col);
    expect(e.hint).toBeTruthy();
  });
});

function withDns(values: string[]): ContainerSpec {
  const spec = container('web');
  spec.dns = values.map((value, i) => ({ value, ref: { file: 'locker.yml', line: 4, col: 9 + i, path: `web.dns[${i}]` } }));
  return spec;
}

const nameservers = { usable: ['192.0.2.53'], skipped: ['127.0.0.53'] };
function hostWith(over: Partial<ObservedHost> = {}, ...containers: ObservedContainer[]): Map<string, ObservedHost> {
  return world({ ...host('local', containers), nameservers, ...over });
}

describe('set-dns in the plan', () => {
  it('resolves $bridge and $copy on the host and sets them before the first start', () => {
    const spec = withDns(['8.8.8.8', '$bridge', '$copy']);
    const p = plan(desired(spec), hostWith());
    const kinds = p.actions.map((a) => a.kind);
    expect(kinds.indexOf('set-dns')).toBeGreaterThan(-1);
    expect(kinds.indexOf('set-dns')).toBeLessThan(kinds.indexOf('start'));
    const dns = p.actions.find((a) => a.kind === 'set-dns')!;
    const bridge = hostWith().get('local')!.bridges[0]!.ipv4!.address;
    expect(dns.params).toEqual({ kind: 'set-dns', nameservers: ['8.8.8.8', bridge, '192.0.2.53'] });
    expect(dns).toMatchObject({ symbol: '+', reason: 'missing', detail: `nameservers 8.8.8.8, ${bridge}, 192.0.2.53 (from $bridge, $copy)` });
  });

  it('plans nothing for a container without dns', () => {
    expect(plan(desired(container('web')), hostWith()).actions.map((a) => a.kind)).not.toContain('set-dns');
  });

  it('refuses $copy on a host that lists only loopback resolvers, at the entry', () => {
    const e = thrown(() => plan(desired(withDns(['$copy'])), hostWith({ nameservers: { usable: [], skipped: ['127.0.0.53'] } })));
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toMatch(/lists only loopback resolvers \(127\.0\.0\.53\), which a container cannot reach/);
    expect(e.location?.path).toBe('web.dns[0]');
    expect(e.hint).toMatch(/\$bridge/);
  });

  const converged = (spec: ContainerSpec, recorded: string[], inFile: string[], state: 'RUNNING' | 'STOPPED' = 'RUNNING') => {
    const o = observedOf(spec, state);
    o.managed = { ...o.managed!, dns: recorded };
    o.dns = inFile;
    return o;
  };

  it.each<[string, string[], string[], string | undefined]>([
    ['converged', ['8.8.8.8'], ['8.8.8.8'], undefined],
    ['the block edited inside', ['8.8.8.8'], [], 'nameservers 8.8.8.8; resolv.conf has no Locker block (live, no restart)'],
    ['the spec changed', ['1.1.1.1'], ['1.1.1.1'], 'nameservers 8.8.8.8; was 1.1.1.1 (live, no restart)'],
  ])('a running container, %s', (_what, recorded, inFile, detail) => {
    const spec = withDns(['8.8.8.8']);
    const p = plan(desired(spec), hostWith({}, converged(spec, recorded, inFile)));
    if (detail === undefined) return expect(p.actions).toEqual([]);
    // Live: no stop, no start.
    expect(p.actions.map((a) => `${a.symbol} ${a.kind}: ${a.detail}`)).toEqual([`~ set-dns: ${detail}`]);
  });

  it('removes the block when the spec drops dns', () => {
    const spec = container('web');
    const p = plan(desired(spec), hostWith({}, converged(spec, ['8.8.8.8'], ['8.8.8.8'])));
    expect(p.actions.map((a) => [a.kind, a.reason, a.params])).toEqual([['set-dns', 'not-in-spec', { kind: 'set-dns', nameservers: [] }]]);
  });
});

describe('the resolv.conf block', () => {
  it('goes first, keeps the rest, is replaced and removed', () => {
    const original = 'search example.net\nnameserver 10.0.0.1\n';
    const once = renderResolvConf(original, ['8.8.8.8', '10.0.3.1']);
    expect(once).toBe('# locker:dns:begin\nnameserver 8.8.8.8\nnameserver 10.0.3.1\n# locker:dns:end\nsearch example.net\nnameserver 10.0.0.1\n');
    expect(parseDnsBlock(once)).toEqual(['8.8.8.8', '10.0.3.1']);
    expect(renderResolvConf(once, ['8.8.8.8', '10.0.3.1'])).toBe(once);
    expect(renderResolvConf(once, [])).toBe(original);
    expect(parseDnsBlock(original)).toBeUndefined();
  });
});

describe('the host\'s nameservers for $copy', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'locker-resolv-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  it('skips loopback stubs, reading systemd-resolved\'s upstream list when nothing else is left', async () => {
    expect(await readHostNameservers(file('a', 'nameserver 127.0.0.1\nnameserver 192.0.2.1\n'), '/nonexistent')).toEqual({ usable: ['192.0.2.1'], skipped: ['127.0.0.1'] });
    const stub = file('b', 'nameserver 127.0.0.53\noptions edns0\n');
    expect(await readHostNameservers(stub, file('up', 'nameserver 198.51.100.7\n'))).toEqual({ usable: ['198.51.100.7'], skipped: ['127.0.0.53'] });
    expect(await readHostNameservers(stub, '/nonexistent')).toEqual({ usable: [], skipped: ['127.0.0.53'] });
  });
});
