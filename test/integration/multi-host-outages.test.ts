// Outages as a user lives them, on real LXC and a real nats-server (agents as separate processes): a host
// that never reported does not hide the others in `status`; while an agent is dead `status` shows its last
// reported state and its age, and `up` says what waits for it and keeps saying it; an unfinished run is
// said to be still running (pid, host) while its control point lives, and to be resumed once it is gone.

import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxSpec, startNatsHosts, type NatsHosts } from '../helpers/nats-hosts.js';
import { show, tookOverFrom } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const HOSTS = ['o1', 'o2'] as const;
const WAITING = /waiting for o2 \(down since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, last heartbeat \S+( \S+)? ago\): (\d+) steps? queued/g;

let t: NatsHosts;

interface StatusJson {
  containers: Array<{ name: string; host: string; state: string; inSpec: boolean }>;
  downHosts: string[];
  hosts: Array<{ host: string; agent: string; stateAgeMs?: number; error?: { code: string; message: string; hint?: string } }>;
}

const waitingLines = (output: string) => [...output.matchAll(WAITING)];

beforeAll(async () => {
  t = await startNatsHosts(HOSTS);
  for (const host of HOSTS) t.startAgent(host);
  await t.waitAgents(HOSTS, true);
  t.writeSpec(busyboxSpec({ x: 'o1', y: 'o2' }));
  const r = await t.control('up', '--yes');
  expect(r.exitCode, show(r)).toBe(0);
});

afterAll(async () => {
  await t?.cleanUp();
});

describe('outages over NATS', () => {
  it('a host that never reported does not hide the others in status, and is named with what is wrong', async () => {
    // A typo: the spec puts w on o3, where no agent ever reported (nor has credentials).
    writeFileSync(path.join(t.work, 'typo.yml'), busyboxSpec({ x: 'o1', y: 'o2', w: 'o3' }));
    const json = await t.control('status', '-f', 'typo.yml', '--json');
    expect(json.exitCode, show(json)).toBe(0);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status.containers.map((c) => [c.name, c.host, c.state])).toEqual([
      ['w', 'o3', 'UNKNOWN'],
      ['x', 'o1', 'RUNNING'],
      ['y', 'o2', 'RUNNING'],
    ]);
    const o3 = status.hosts.find((h) => h.host === 'o3');
    expect(o3).toMatchObject({ agent: 'unseen', error: { code: 'AGENT_OFFLINE' } });
    expect(o3?.error?.message).toMatch(/none has ever reported as o3/);
    expect(o3?.error?.hint).toMatch(/did you mean "o[12]"\?.*locker agent --host o3/);
    const text = await t.control('status', '-f', 'typo.yml');
    expect(text.exitCode, show(text)).toBe(0);
    expect(text.stdout).toMatch(/_x\s+o1\s+RUNNING/);
    expect(text.stdout).toMatch(/_w\s+o3 \(not seen\)\s+UNKNOWN/);
    expect(text.stderr).toMatch(/warning: host "o3" cannot be seen: host "o3" has no agent: none has ever reported as o3; its containers are shown as UNKNOWN/);
    // A plan cannot be made without o3's state: the same words, as an error.
    const plan = await t.control('plan', '-f', 'typo.yml');
    expect(plan.exitCode, show(plan)).toBe(1);
    expect(plan.stderr).toMatch(/^error\[AGENT_OFFLINE\] host "o3" has no agent: none has ever reported as o3$/m);
  });

  it("status of a host whose agent is dead shows its last reported state and how old it is", async () => {
    // Its last report is the heartbeat after its last job: the one `status` must show once the agent is gone.
    await t.waitReported('o2', 'y running', (o) => o.containers.some((c) => c.name.endsWith('_y') && c.state === 'RUNNING'));
    expect(await t.stopAgent('o2', 'SIGKILL')).not.toBe(0);
    await t.waitAgents(['o2'], false);
    const json = await t.control('status', '--json');
    expect(json.exitCode, show(json)).toBe(0);
    const status = JSON.parse(json.stdout) as StatusJson;
    expect(status.containers.map((c) => [c.name, c.host, c.state])).toEqual([
      ['x', 'o1', 'RUNNING'],
      ['y', 'o2', 'RUNNING'],
    ]);
    expect(status.downHosts).toEqual(['o2']);
    const o2 = status.hosts.find((h) => h.host === 'o2');
    expect(o2?.agent).toBe('down');
    expect(o2?.stateAgeMs).toEqual(expect.any(Number));
    const text = await t.control('status');
    expect(text.stdout).toMatch(/_y\s+o2 \(down, last report \d+s ago\)\s+RUNNING/);
  });

  it('up says what waits for the dead agent and keeps it current; plan says the run is still running, and where', async () => {
    t.writeSpec(busyboxSpec({ x: 'o1', y: 'o2', u: 'o2', v: 'o2', q: 'o1' }));
    const up = t.controlInBackground('up', '--yes');
    // Its two creations wait in o2's queue, and their next steps after them; said again while it lasts.
    await until('up to say twice what waits for o2', async () => (waitingLines(up.output()).length >= 2 ? true : undefined), 90_000);
    expect(waitingLines(up.output())[0]?.[2]).toBe('2');
    const plan = await t.control('plan');
    expect(plan.stderr).toMatch(new RegExp(`note: run \\S+ \\(locker up, started [^)]*\\) is still running: pid ${up.pid} on ${hostname()}`));
    expect(plan.stderr).not.toMatch(/locker resume/);
    t.startAgent('o2');
    const r = await up.result;
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stderr).toMatch(/^o2 is back: its queued steps run$/m);
    expect(Object.keys(await t.containersOn('o2')).sort()).toEqual([`${t.project}_u`, `${t.project}_v`, `${t.project}_y`]);
  });

  it('a run whose control point died while it waited is to be resumed, and resume finishes it', async () => {
    await t.waitAgents(['o2'], true);
    expect(await t.stopAgent('o2', 'SIGKILL')).not.toBe(0);
    await t.waitAgents(['o2'], false);
    t.writeSpec(busyboxSpec({ x: 'o1', y: 'o2', u: 'o2', v: 'o2', q: 'o1', s: 'o2' }));
    const up = t.controlInBackground('up', '--yes');
    await until('up to wait for o2', async () => (waitingLines(up.output()).length >= 1 ? true : undefined), 90_000);
    await up.kill('SIGKILL');
    const plan = await t.control('plan');
    expect(plan.stderr).toMatch(
      new RegExp(`warning: run \\S+ .* has not finished and its control point \\(pid ${up.pid} on ${hostname()}\\) is gone; \`locker resume --yes\` finishes it`),
    );
    t.startAgent('o2');
    // The dead control point's lease has not run out: its lock is taken over at once, with a warning.
    const resumed = await t.control('resume', '--yes');
    expect(resumed.exitCode, show(resumed)).toBe(0);
    expect(resumed.stderr).toMatch(tookOverFrom(up.pid));
    expect(resumed.stderr).not.toContain('LOCK_HELD');
    expect(await t.containersOn('o2')).toMatchObject({ [`${t.project}_s`]: 'RUNNING' });
    const after = await t.control('plan');
    expect(after.exitCode, show(after)).toBe(0);
    expect(after.stderr).not.toContain('has not finished');
  });

  it('down removes everything; agents stop cleanly', async () => {
    const r = await t.control('down', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    for (const host of HOSTS) expect(await t.containersOn(host), host).toEqual({});
    for (const host of HOSTS) expect(await t.stopAgent(host)).toBe(0);
  });
});
