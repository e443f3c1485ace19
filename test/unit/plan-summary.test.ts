// Stops and starts are neither creations nor destructions: they have their own symbols and counts,
// the same in the text and in the --json summary. Plans saved before that still read back.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePlan, planChanges, renderPlan, summarizePlan, type PlanMode } from '../../plans/index.js';
import { container, convergedLocal, desired, host, world } from './plan-fixtures.js';

const web = container('web', { line: 1, ports: ['8080:80'] });
const db = container('db', { line: 20 });
const spec = desired(web, db);

interface SummaryCase {
  name: string;
  mode: PlanMode;
  hosts: ReturnType<typeof world>;
  symbols: Record<string, string>;
  summary: ReturnType<typeof summarizePlan>;
  line: string;
}

const cases: SummaryCase[] = [
  {
    name: 'stop of two running containers counts two stops, not destructions',
    mode: 'stop',
    hosts: convergedLocal([web, db]),
    symbols: { 'local/db/stop': '||', 'local/web/unforward-ports': '-', 'local/web/stop': '||' },
    summary: { add: 0, change: 0, destroy: 1, start: 0, stop: 2 },
    line: 'Plan: 0 to add, 0 to change, 1 to destroy; 0 to start, 2 to stop.',
  },
  {
    name: 'start of stopped containers counts starts, not changes',
    mode: 'start',
    hosts: convergedLocal([web, db], { web: 'STOPPED', db: 'STOPPED' }),
    symbols: { 'local/db/start': '>', 'local/web/start': '>', 'local/web/forward-ports': '~' },
    summary: { add: 0, change: 1, destroy: 0, start: 2, stop: 0 },
    line: 'Plan: 0 to add, 1 to change, 0 to destroy; 2 to start, 0 to stop.',
  },
  {
    name: 'a new container: its first start is a start',
    mode: 'up',
    hosts: world(host('local')),
    symbols: { 'local/db/create': '+', 'local/db/start': '>', 'local/web/start': '>', 'local/web/forward-ports': '+' },
    summary: { add: 7, change: 0, destroy: 0, start: 2, stop: 0 },
    line: 'Plan: 7 to add, 0 to change, 0 to destroy; 2 to start, 0 to stop.',
  },
  {
    name: 'down: stops and destructions apart',
    mode: 'down',
    hosts: convergedLocal([web, db]),
    symbols: { 'local/db/stop': '||', 'local/db/destroy': '-', 'local/web/stop': '||', 'local/web/destroy': '-' },
    summary: { add: 0, change: 0, destroy: 3, start: 0, stop: 2 },
    line: 'Plan: 0 to add, 0 to change, 3 to destroy; 0 to start, 2 to stop.',
  },
];

describe('stops and starts in the plan', () => {
  it.each(cases)('$name', ({ mode, hosts, symbols, summary, line }) => {
    const plan = planChanges({ desired: spec, observed: hosts, mode });
    const byId = Object.fromEntries(plan.actions.map((a) => [a.id, a.symbol]));
    for (const [id, symbol] of Object.entries(symbols)) expect(byId[id], id).toBe(symbol);
    expect(summarizePlan(plan)).toEqual(summary);
    expect(renderPlan(plan).trimEnd().split('\n').at(-1)).toBe(line);
  });

  it('every stop is `||` and every start is `>`, whatever the reason', () => {
    const restarted = { ...convergedLocal([web]).get('local')! };
    restarted.containers = restarted.containers.map((c) => ({ ...c, managed: c.managed && { ...c.managed, fqdn: 'old.example' } }));
    const plans = [
      ...cases.map(({ mode, hosts }) => planChanges({ desired: spec, observed: hosts, mode })),
      planChanges({ desired: desired(web), observed: world(restarted), mode: 'up' }),
    ];
    const actions = plans.flatMap((p) => p.actions).filter((a) => a.kind === 'stop' || a.kind === 'start');
    expect(actions.map((a) => a.reason)).toContain('drifted');
    for (const a of actions) expect(`${a.kind} ${a.symbol}`).toBe(a.kind === 'stop' ? 'stop ||' : 'start >');
  });

  it('a stop is drawn as `||` in the text', () => {
    const text = renderPlan(planChanges({ desired: spec, observed: convergedLocal([web, db]), mode: 'stop' }));
    expect(text).toMatch(/\n {4}\|\| stop {21}container is RUNNING/);
    expect(text).toMatch(/\n {4}- {2}unforward-ports/);
  });
});

describe('plans saved before stops had their own symbol', () => {
  const OLD = fileURLToPath(new URL('../fixtures/plans/stop-before-stop-symbol.json', import.meta.url));

  it('read back, and count their `- stop` steps as stops', () => {
    const plan = parsePlan(readFileSync(OLD, 'utf8'), 'old.json');
    expect(plan.actions.filter((a) => a.kind === 'stop').map((a) => a.symbol)).toEqual(['-', '-']);
    expect(summarizePlan(plan)).toEqual({ add: 0, change: 0, destroy: 1, start: 0, stop: 2 });
  });
});
