// Links: the /etc/hosts entries a container's links call for (one line per linked address), and when
// the lines the container has differ from them.

import { describe, expect, it } from 'vitest';
import type { ActionReason, ObservedHost } from '../../plans/index.js';
import { normaliseLinkLines, renderLinkLines } from '../../src/lxc/index.js';
import type { DesiredState } from '../../src/spec/types.js';
import { addressOf, container, convergedLocal, desired, host, observedOf, world } from './plan-fixtures.js';
import { indexOf, paramsOf, plan } from './plan-network-fixtures.js';

describe('links: /etc/hosts entries', () => {
  const db = container('db', { line: 1, fqdn: 'db.demo.test' });
  const cache = container('cache', { line: 20 });
  // Sorted by alias, as the loader hands them over.
  const web = container('web', { line: 40, links: ['cache', 'db:database', 'db'] });
  const spec = desired(db, cache, web);
  const dbLine = `${addressOf(db)} db.demo.test database db`;
  const cacheLine = `${addressOf(cache)} cache`;

  interface LinkCase {
    name: string;
    spec: DesiredState;
    hosts: Map<string, ObservedHost>;
    /** Undefined: no write-links step. */
    step?: { symbol: string; reason: ActionReason; detail: string; entries: { ip: string; names: string[] }[] };
  }

  const cases: LinkCase[] = [
    {
      name: 'a new container: one entry per linked address, names fqdn, alias, name, deduplicated',
      spec,
      hosts: world(host('local')),
      step: {
        symbol: '+',
        reason: 'missing',
        detail: 'links: 10.0.3.2 cache, 10.0.3.3 db.demo.test database db',
        entries: [
          { ip: '10.0.3.2', names: ['cache'] },
          { ip: '10.0.3.3', names: ['db.demo.test', 'database', 'db'] },
        ],
      },
    },
    {
      name: 'converged: the lines the container has are the lines it should have',
      spec,
      hosts: world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: [cacheLine, dbLine] }])),
    },
    {
      name: 'converged, lines listed in another order: no drift',
      spec,
      hosts: world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: [dbLine, cacheLine] }])),
    },
    {
      name: 'links never written for an existing container',
      spec,
      hosts: convergedLocal([db, cache, web]),
      step: {
        symbol: '~',
        reason: 'drifted',
        detail: `/etc/hosts links differ: +${cacheLine} +${dbLine}`,
        entries: [
          { ip: addressOf(cache), names: ['cache'] },
          { ip: addressOf(db), names: ['db.demo.test', 'database', 'db'] },
        ],
      },
    },
    {
      name: 'a line edited by hand',
      spec,
      hosts: world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: [cacheLine, `10.0.3.250 db.demo.test database db`] }])),
      step: {
        symbol: '~',
        reason: 'drifted',
        detail: `/etc/hosts links differ: +${dbLine} -10.0.3.250 db.demo.test database db`,
        entries: [
          { ip: addressOf(cache), names: ['cache'] },
          { ip: addressOf(db), names: ['db.demo.test', 'database', 'db'] },
        ],
      },
    },
    {
      name: 'the target got a new address: its line follows',
      spec: desired(container('db', { line: 1, fqdn: 'db.demo.test', ipv4: '10.0.3.60' }), cache, web),
      hosts: world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: [cacheLine, dbLine] }])),
      step: {
        symbol: '~',
        reason: 'drifted',
        detail: `/etc/hosts links differ: +10.0.3.60 db.demo.test database db -${dbLine}`,
        entries: [
          { ip: addressOf(cache), names: ['cache'] },
          { ip: '10.0.3.60', names: ['db.demo.test', 'database', 'db'] },
        ],
      },
    },
    {
      name: 'links dropped from the spec: the block is emptied',
      spec: desired(db, cache, container('web', { line: 40 })),
      hosts: world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: [cacheLine] }])),
      step: { symbol: '~', reason: 'drifted', detail: `/etc/hosts links differ: -${cacheLine}`, entries: [] },
    },
    {
      name: 'no links, and an empty block: nothing to do',
      spec: desired(container('web', { line: 40 })),
      hosts: world(host('local', [{ ...observedOf(web), links: [] }])),
    },
    {
      name: 'a new container without links writes none',
      spec: desired(container('web', { line: 40 })),
      hosts: world(host('local')),
    },
  ];

  it.each(cases)('$name', (tc) => {
    const p = plan(tc.spec, tc.hosts);
    const step = p.actions.find((x) => x.id === 'local/web/write-links');
    if (tc.step === undefined) {
      expect(step).toBeUndefined();
      return;
    }
    expect(step).toMatchObject({ symbol: tc.step.symbol, reason: tc.step.reason, detail: tc.step.detail });
    expect(step?.params).toEqual({ kind: 'write-links', entries: tc.step.entries });
  });

  it('a new container writes its links after its address and before its first start, at its first link', () => {
    const p = plan(spec, world(host('local')));
    expect(indexOf(p, 'local/web/set-network')).toBeLessThan(indexOf(p, 'local/web/write-links'));
    expect(indexOf(p, 'local/web/write-links')).toBeLessThan(indexOf(p, 'local/web/start'));
    expect(p.actions.find((x) => x.id === 'local/web/write-links')?.specRef).toEqual(web.links[0]?.ref);
  });

  it('what the hook writes from the planned entries reads back as no drift', () => {
    const entries = paramsOf(plan(spec, convergedLocal([db, cache, web])), 'local/web/write-links', 'write-links')!.entries;
    const lines = normaliseLinkLines(renderLinkLines(entries));
    const again = plan(spec, world(host('local', [observedOf(db), observedOf(cache), { ...observedOf(web), links: lines }])));
    expect(again.actions).toEqual([]);
  });
});
