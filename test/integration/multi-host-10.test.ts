// Ten LXC "hosts" behind one real nats-server, as in production: ten agents as separate processes, each
// with its own lxcpath and its own `locker nats-config` credentials. Twelve busybox containers (a snapshot
// clone on two hosts, a port on one, a dependency across hosts). Two agents SIGKILLed mid-`up` and
// started again: the run finishes, every step once, on its own host only. Then an empty plan, status over
// the ten hosts, down, and a clean stop of every agent.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { journalEntries, journaledTwice } from '../helpers/agent-journal.js';
import { killStartedLockers } from '../helpers/background-locker.js';
import { cleanUp } from '../helpers/clean-up.js';
import { untilSucceeded } from '../helpers/cluster-run-checks.js';
import { inFlight, planSize, runIdOf, succeededIds } from '../helpers/event-views.js';
import { createFaultTally } from '../helpers/fault-tally.js';
import { checkHosts, projectContainers, type ExpectedHost } from '../helpers/host-integrity.js';
import { requireTools } from '../helpers/lxc-env.js';
import { startNatsCluster, type NatsCluster } from '../helpers/nats-cluster.js';
import { readNatsEvents, runIntegrity } from '../helpers/run-integrity.js';
import { show } from '../helpers/run-locker.js';

const HOSTS = Array.from({ length: 10 }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const tally = createFaultTally('multi-host-10');
const port = 20000 + Math.floor(Math.random() * 20000);

let c: NatsCluster;
let work = '';
let project = '';

/** cNN on hNN; clones c01b and c02b next to their origins; c05 forwards a port; c10 starts after c01. */
function spec(): string {
  const lines = ['containers:'];
  for (const [i, host] of HOSTS.entries()) {
    const name = `c${host.slice(1)}`;
    lines.push(`  ${name}:`, `    host: ${host}`, '    template: busybox');
    if (i === 4) lines.push(`    ports: ["${port}:80"]`);
    if (i === 9) lines.push('    depends_on: [c01]');
    if (i < 2) lines.push(`  ${name}b:`, `    host: ${host}`, `    clone: ${name}`, '    snapshot: true');
  }
  return `${lines.join('\n')}\n`;
}

function expectedHosts(): ExpectedHost[] {
  return HOSTS.map((host, i) => {
    const name = `c${host.slice(1)}`;
    const containers = [{ name, ...(i === 4 ? { ports: [{ hostPort: port, containerPort: 80 }] } : {}) }];
    if (i < 2) containers.push({ name: `${name}b` });
    return { host, lxcpath: c.envs[host]!.lxcpath, containers };
  });
}

const events = () => readNatsEvents(c.url, c.controlCreds, project);

/** The action ids of the run's plan (`HOST/CONTAINER/KIND`). */
function plannedIds(log: readonly LockerEvent[]): string[] {
  const started = log.find((e) => e.type === 'run.started');
  return started?.type === 'run.started' ? (started.data.plan as { actions: Array<{ id: string }> }).actions.map((a) => a.id) : [];
}

beforeAll(async () => {
  await requireTools();
  work = mkdtempSync(path.join(tmpdir(), 'locker-multi10-'));
  c = await startNatsCluster(HOSTS, work);
  project = `${c.envs.h01!.prefix}t`;
  writeFileSync(path.join(work, 'locker.yml'), spec());
});

afterAll(async () => {
  await cleanUp([
    () => killStartedLockers(),
    async () => c?.stop(),
    async () => project && removeRulesTagged(ruleTag(project)),
    async () => work && rmSync(work, { recursive: true, force: true }),
    () => tally.report(),
  ]);
});

describe('one control point, ten hosts over NATS', () => {
  it('lists the ten agents as up, each on its own lxcpath', async () => {
    await c.waitAgentsUp(work, project);
    const r = await c.control(work, project, 'hosts', '--json');
    expect(r.exitCode, show(r)).toBe(0);
    const agents = JSON.parse(r.stdout) as Array<{ host: string; up: boolean; lxcpath: string }>;
    expect(agents.map((a) => [a.host, a.up, a.lxcpath]).sort()).toEqual(HOSTS.map((h) => [h, true, c.envs[h]!.lxcpath]));
  });

  it('plans the twelve containers over the ten hosts and exits 2', async () => {
    const r = await c.control(work, project, 'plan', '--json');
    expect(r.exitCode, show(r)).toBe(2);
    const { plan } = JSON.parse(r.stdout) as { plan: { actions: Array<{ host: string; container: string }> } };
    const where = [...new Set(plan.actions.map((a) => `${a.container}@${a.host}`))].sort();
    expect(where).toEqual(expectedHosts().flatMap((h) => h.containers.map((k) => `${k.name}@${h.host}`)).sort());
  });

  it('up with two agents SIGKILLed mid-run and restarted: every step once, on its own host', async () => {
    const up = c.startControl(work, project, 'up', '--yes', '--parallelism', '10');
    const seen = await untilSucceeded(events, up, 8);
    expect(up.running(), `the run ended before the kill:\n${up.output()}`).toBe(true);
    const runId = runIdOf(seen);
    // Agents with a step in hand, else any two whose hosts have steps left.
    const busy = [...new Set(inFlight(seen).map((id) => id.split('/')[0]!))];
    const done = succeededIds(seen);
    const unfinished = plannedIds(seen).filter((id) => !done.has(id)).map((id) => id.split('/')[0]!);
    const victims = [...new Set([...busy, ...unfinished])].slice(0, 2);
    for (const host of victims) await c.agent(host).kill('SIGKILL');
    tally.fault(`agents ${victims.join(', ')} SIGKILL after ${succeededIds(seen).size} actions succeeded (in flight: ${inFlight(seen).join(', ') || 'nothing'})`);
    for (const host of victims) c.startAgent(host);

    const r = await up.result;
    expect(r.exitCode, `${show(r)}\n${c.logs()}`).toBe(0);
    tally.recovered(runId);
    const all: LockerEvent[] = await events();
    const runs = runIntegrity(all);
    const host = await checkHosts(project, expectedHosts());
    tally.checked(runs, host);
    expect(runs).toEqual([{ runId, status: 'succeeded', actions: planSize(all), lost: [], duplicated: [] }]);
    expect(host.problems).toEqual([]);
    // Each agent's journal holds its own host's steps, once each, and nothing of another host.
    let journaled = 0;
    for (const h of HOSTS) {
      const mine = journalEntries(c.envs[h]!.lxcpath).filter((e) => e.runId === runId);
      expect(mine.filter((e) => !e.actionId.startsWith(`${h}/`)).map((e) => e.actionId)).toEqual([]);
      expect(journaledTwice(mine, runId)).toEqual([]);
      journaled += mine.length;
    }
    expect(journaled).toBe(planSize(all));
  });

  it('the next plan is empty; status shows every container running on its host', async () => {
    const r = await c.control(work, project, 'plan');
    expect(r.exitCode, show(r)).toBe(0);
    const status = await c.control(work, project, 'status', '--json');
    expect(status.exitCode, show(status)).toBe(0);
    const { containers } = JSON.parse(status.stdout) as { containers: Array<{ name: string; host: string; state: string }> };
    expect(containers.map((k) => [k.name, k.host, k.state]).sort()).toEqual(
      expectedHosts()
        .flatMap((h) => h.containers.map((k) => [k.name, h.host, 'RUNNING']))
        .sort(),
    );
  });

  it('down removes every container on all ten hosts', async () => {
    const r = await c.control(work, project, 'down', '--yes', '--parallelism', '10');
    expect(r.exitCode, show(r)).toBe(0);
    for (const h of HOSTS) expect(await projectContainers(c.envs[h]!.lxcpath, project)).toEqual([]);
  });

  it('every agent stops cleanly on SIGTERM', async () => {
    await Promise.all(HOSTS.map((h) => c.agent(h).kill('SIGTERM')));
    for (const h of HOSTS) expect((await c.agent(h).result).exitCode, c.logs()).toBe(0);
  });
});
