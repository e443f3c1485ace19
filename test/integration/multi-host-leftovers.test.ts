// Containers left on a host the spec no longer names: three hosts over a real nats-server (agents as
// separate processes), a container's host dropped from the spec. plan/up remove it (not-in-spec), status
// shows it, `rm NAME` removes it by name, down removes it, and a down agent's host is planned against the
// state it last reported.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxSpec, startNatsHosts, type NatsHosts } from '../helpers/nats-hosts.js';
import { show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const HOSTS = ['h1', 'h2', 'h3'] as const;

let t: NatsHosts;

interface PlannedJson {
  plan: { actions: Array<{ host: string; container: string; kind: string; reason: string }> };
  downHosts: string[];
}

async function planJson(): Promise<PlannedJson & { exitCode: number }> {
  const r = await t.control('plan', '--json');
  expect([0, 2], show(r)).toContain(r.exitCode);
  return { ...(JSON.parse(r.stdout) as PlannedJson), exitCode: r.exitCode };
}

async function upAll(): Promise<void> {
  t.writeSpec(busyboxSpec({ a: 'h1', b: 'h2', c: 'h3' }));
  const r = await t.control('up', '--yes');
  expect(r.exitCode, show(r)).toBe(0);
  expect(await t.containersOn('h2')).toEqual({ [`${t.project}_b`]: 'RUNNING' });
  expect(await t.containersOn('h3')).toEqual({ [`${t.project}_c`]: 'RUNNING' });
}

beforeAll(async () => {
  t = await startNatsHosts(HOSTS);
  for (const host of HOSTS) t.startAgent(host);
  await t.waitAgents(HOSTS, true);
});

afterAll(async () => {
  await t?.cleanUp();
});

describe('containers on a host the spec no longer names', () => {
  it('plan removes them as not-in-spec, and status shows them', async () => {
    await upAll();
    // h2 leaves the spec with b.
    t.writeSpec(busyboxSpec({ a: 'h1', c: 'h3' }));
    const planned = await planJson();
    expect(planned.exitCode).toBe(2);
    expect(planned.plan.actions.map((a) => [a.host, a.container, a.kind, a.reason])).toEqual([
      ['h2', 'b', 'stop', 'not-in-spec'],
      ['h2', 'b', 'destroy', 'not-in-spec'],
    ]);
    const status = await t.control('status', '--json');
    expect(status.exitCode, show(status)).toBe(0);
    const rows = (JSON.parse(status.stdout) as { containers: Array<{ name: string; host: string; state: string; inSpec: boolean }> }).containers;
    expect(rows.map((r) => [r.name, r.host, r.state, r.inSpec])).toEqual([
      ['a', 'h1', 'RUNNING', true],
      ['c', 'h3', 'RUNNING', true],
      ['b', 'h2', 'RUNNING', false],
    ]);
    const text = await t.control('status');
    expect(text.stdout).toMatch(new RegExp(`${t.project}_b \\(not in spec\\)\\s+h2\\s+RUNNING`));
  });

  it('rm NAME removes a leftover by its name', async () => {
    await upAll();
    t.writeSpec(busyboxSpec({ a: 'h1', c: 'h3' }));
    const r = await t.control('rm', 'b', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await t.containersOn('h2')).toEqual({});
    expect(await t.containersOn('h1')).toEqual({ [`${t.project}_a`]: 'RUNNING' });
    expect(await t.containersOn('h3')).toEqual({ [`${t.project}_c`]: 'RUNNING' });
    const again = await planJson();
    expect(again.exitCode, JSON.stringify(again.plan.actions)).toBe(0);
  });

  it('a name neither in the spec nor left on a host is still a usage error', async () => {
    const r = await t.control('rm', 'nosuch', '--yes');
    expect(r.exitCode, show(r)).toBe(1);
    expect(r.stderr).toMatch(/^error\[USAGE\] no container named nosuch/m);
  });

  it("up removes leftovers, and plans a down agent's host against its last reported state", async () => {
    await upAll();
    // Both h2 and h3 leave the spec; h3's agent is gone.
    t.writeSpec(busyboxSpec({ a: 'h1' }));
    expect(await t.stopAgent('h3')).toBe(0);
    await t.waitAgents(['h3'], false);
    const planned = await planJson();
    expect(planned.exitCode).toBe(2);
    expect(planned.downHosts).toEqual(['h3']);
    expect(planned.plan.actions.map((a) => [a.host, a.container, a.kind, a.reason]).sort()).toEqual([
      ['h2', 'b', 'destroy', 'not-in-spec'],
      ['h2', 'b', 'stop', 'not-in-spec'],
      ['h3', 'c', 'destroy', 'not-in-spec'],
      ['h3', 'c', 'stop', 'not-in-spec'],
    ]);
    const text = await t.control('plan');
    expect(text.stderr).toMatch(/warning: host "h3": its agent is not answering .*planned against the state it last reported/);
    const up = t.controlInBackground('up', '--yes');
    await until('b removed from h2', async () => (Object.keys(await t.containersOn('h2')).length === 0 ? true : undefined));
    expect(await t.containersOn('h3')).toEqual({ [`${t.project}_c`]: 'RUNNING' });
    t.startAgent('h3');
    const r = await up.result;
    expect(r.exitCode, show(r)).toBe(0);
    expect(await t.containersOn('h3')).toEqual({});
    expect(await t.containersOn('h1')).toEqual({ [`${t.project}_a`]: 'RUNNING' });
    expect((await planJson()).exitCode).toBe(0);
  });

  it('down removes the containers on hosts the spec no longer names', async () => {
    await upAll();
    t.writeSpec(busyboxSpec({ a: 'h1' }));
    const r = await t.control('down', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    for (const host of HOSTS) expect(await t.containersOn(host), host).toEqual({});
    const status = await t.control('status', '--json');
    expect(status.exitCode, show(status)).toBe(0);
    expect((JSON.parse(status.stdout) as { containers: Array<{ state: string }> }).containers.map((c) => c.state)).toEqual(['MISSING']);
  });

  it('agents stop cleanly', async () => {
    for (const host of HOSTS) expect(await t.stopAgent(host)).toBe(0);
  });
});
