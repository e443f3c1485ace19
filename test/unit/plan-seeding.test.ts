// copy-out seeds only host folders that are empty or missing: the plan names them, from what the host
// reports about the volume host paths of containers it does not have yet, and the job carries only them.

import { describe, expect, it } from 'vitest';
import {
  digestObserved,
  observeRequests,
  planChanges,
  type HostPathState,
  type ObservedHost,
  type PlanMode,
} from '../../plans/index.js';
import { container, desired, host, observedOf, world } from './plan-fixtures.js';

const web = container('web', { line: 1, volumes: ['/srv/demo/a:/etc', '/srv/demo/b:/var', '/srv/demo/c:/root:ro'] });

function reported(paths: Record<string, HostPathState>, base: ObservedHost = host('local')): Map<string, ObservedHost> {
  return world({ ...base, hostPaths: paths });
}

function copyOut(hosts: Map<string, ObservedHost>, spec = desired(web), mode: PlanMode = 'up') {
  const plan = planChanges({ desired: spec, observed: hosts, mode });
  return { plan, step: (name = 'web') => plan.actions.find((a) => a.id === `local/${name}/copy-out`) };
}

const seededPaths = (a: { params: unknown } | undefined) =>
  (a?.params as { mounts: Array<{ hostPath: string }> } | undefined)?.mounts.map((m) => m.hostPath);

describe('copy-out names the volumes it seeds', () => {
  it.each([
    {
      name: 'empty and missing folders are seeded; a folder with data is left alone',
      paths: { '/srv/demo/a': 'empty', '/srv/demo/b': 'occupied', '/srv/demo/c': 'missing' } as const,
      seeded: ['/srv/demo/a', '/srv/demo/c'],
      detail: "seed /srv/demo/a, /srv/demo/c with the container's data; /srv/demo/b is not empty: left as it is",
    },
    {
      name: 'every folder empty',
      paths: { '/srv/demo/a': 'empty', '/srv/demo/b': 'empty', '/srv/demo/c': 'empty' } as const,
      seeded: ['/srv/demo/a', '/srv/demo/b', '/srv/demo/c'],
      detail: "seed /srv/demo/a, /srv/demo/b, /srv/demo/c with the container's data",
    },
    {
      name: 'two folders with data',
      paths: { '/srv/demo/a': 'occupied', '/srv/demo/b': 'missing', '/srv/demo/c': 'occupied' } as const,
      seeded: ['/srv/demo/b'],
      detail: "seed /srv/demo/b with the container's data; /srv/demo/a, /srv/demo/c are not empty: left as they are",
    },
  ])('$name', ({ paths, seeded, detail }) => {
    const step = copyOut(reported(paths)).step();
    expect(step).toMatchObject({ reason: 'missing', symbol: '+', detail });
    expect(seededPaths(step)).toEqual(seeded);
  });

  it('keeps the spec order and read-only flag of the seeded mounts', () => {
    const step = copyOut(reported({ '/srv/demo/a': 'empty', '/srv/demo/b': 'occupied', '/srv/demo/c': 'missing' })).step();
    expect(step?.params).toEqual({
      kind: 'copy-out',
      mounts: [
        { hostPath: '/srv/demo/a', containerPath: '/etc', readOnly: false },
        { hostPath: '/srv/demo/c', containerPath: '/root', readOnly: true },
      ],
    });
  });

  it('no copy-out step when every folder has data; the mounts are still written', () => {
    const { plan, step } = copyOut(reported({ '/srv/demo/a': 'occupied', '/srv/demo/b': 'occupied', '/srv/demo/c': 'occupied' }));
    expect(step()).toBeUndefined();
    expect(plan.actions.map((a) => a.kind)).toContain('write-mounts');
  });

  it('a host that did not report its folders (an agent down): seed each if empty, and say so', () => {
    const step = copyOut(world(host('local'))).step();
    expect(step?.detail).toBe("seed /srv/demo/a, /srv/demo/b, /srv/demo/c with the container's data if empty (host folders not observed)");
    expect(seededPaths(step)).toEqual(['/srv/demo/a', '/srv/demo/b', '/srv/demo/c']);
  });

  it('a folder the host could not tell about is seeded if empty, and said so', () => {
    const step = copyOut(reported({ '/srv/demo/a': 'empty', '/srv/demo/c': 'occupied' })).step();
    expect(step?.detail).toBe("seed /srv/demo/a, /srv/demo/b (if empty: not observed) with the container's data; /srv/demo/c is not empty: left as it is");
  });

  it('two new containers sharing an empty folder: the first seeds it, the second starts after that', () => {
    const one = container('one', { line: 1, volumes: ['/srv/demo/shared:/etc'] });
    const two = container('two', { line: 20, volumes: ['/srv/demo/shared:/etc', '/srv/demo/own:/var'] });
    const { plan, step } = copyOut(reported({ '/srv/demo/shared': 'empty', '/srv/demo/own': 'missing' }), desired(one, two));
    expect(seededPaths(step('one'))).toEqual(['/srv/demo/shared']);
    expect(seededPaths(step('two'))).toEqual(['/srv/demo/own']);
    expect(step('two')?.detail).toBe("seed /srv/demo/own with the container's data; /srv/demo/shared is seeded by one's copy-out");
    expect(plan.actions.find((a) => a.id === 'local/two/start')?.dependsOn).toContain('local/one/copy-out');
  });

  it('--no-move: no copy-out, whatever the folders', () => {
    const plan = planChanges({ desired: desired(web), observed: reported({ '/srv/demo/a': 'empty' }), mode: 'up', move: false });
    expect(plan.actions.map((a) => a.kind)).not.toContain('copy-out');
  });
});

describe('observeRequests: what the control point asks each host to look at', () => {
  const db = container('db', { line: 20, host: 'other', volumes: ['/srv/demo/db:/var/lib/db'] });
  const bare = container('bare', { line: 40 });

  it.each(['up', 'create'] as const)('%s: the volume host paths of every spec container, by host', (mode) => {
    expect(observeRequests(desired(web, db, bare), mode)).toEqual(
      new Map([
        ['local', { volumes: [{ container: 'demo_web', hostPaths: ['/srv/demo/a', '/srv/demo/b', '/srv/demo/c'] }] }],
        ['other', { volumes: [{ container: 'demo_db', hostPaths: ['/srv/demo/db'] }] }],
      ]),
    );
  });

  it.each(['start', 'stop', 'rm', 'down', 'ports', 'rmports'] as const)('%s creates nothing: asks for nothing', (mode) => {
    expect(observeRequests(desired(web, db), mode)).toEqual(new Map());
  });
});

describe('digestObserved and host folders', () => {
  const base = host('local', [observedOf(container('other'))]);

  it('a host that reported no folders digests as before', () => {
    expect(digestObserved({ ...base })).toBe(digestObserved(base));
    expect(digestObserved({ ...base, hostPaths: {} })).toBe(digestObserved(base));
  });

  it('a folder that filled up since the plan makes the plan stale; key order does not matter', () => {
    const a = digestObserved({ ...base, hostPaths: { '/srv/x': 'empty', '/srv/y': 'missing' } });
    const b = digestObserved({ ...base, hostPaths: { '/srv/y': 'missing', '/srv/x': 'empty' } });
    const filled = digestObserved({ ...base, hostPaths: { '/srv/x': 'occupied', '/srv/y': 'missing' } });
    expect(a).toBe(b);
    expect(filled).not.toBe(a);
  });
});
