// Where containers go: `host:` per container, `defaults.host`, and (with many hosts) no silent default.
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

const load = (text: string, requireHost = false) => loadSpec({ text, file: 'locker.yml', project: 'demo', specDir: '/srv/demo', requireHost });

describe('container hosts', () => {
  it('embedded mode puts a container without a host on "local"', () => {
    expect(load('web:\n  template: busybox\n').containers.map((c) => c.host)).toEqual(['local']);
  });

  it('defaults.host applies to containers that name none; a container\'s own host wins', () => {
    const d = load('containers:\n  a:\n    template: busybox\n  b:\n    template: busybox\n    host: h2\ndefaults:\n  host: h1\n', true);
    expect(d.containers.map((c) => [c.name, c.host])).toEqual([
      ['a', 'h1'],
      ['b', 'h2'],
    ]);
  });

  it('with many hosts, a container without a host is an error naming it, at its line', () => {
    const e = thrown(() => load('containers:\n  a:\n    template: busybox\n    host: h1\n  b:\n    template: busybox\n', true));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toBe('container b has no host');
    expect(e.location).toMatchObject({ line: 5, col: 3 });
    expect(e.hint).toMatch(/defaults\.host/);
  });
});
