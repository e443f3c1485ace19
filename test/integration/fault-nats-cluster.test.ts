// Fault: one server of a 3-node NATS cluster (written by `locker nats-config --cluster`, every stream and
// bucket with 3 replicas) SIGKILLed mid-`up`, while the run goes on over the other two, and started again
// later. The server killed is the one holding the most of Locker's clients (the `up` process, the agents):
// they move to the others by themselves. The run finishes on its own (no resume), nothing lost or done
// twice; the restarted server catches up with every stream.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { expectCleanClusterRun, untilSucceeded } from '../helpers/cluster-run-checks.js';
import { inFlight, planSize, runIdOf, succeededIds } from '../helpers/event-views.js';
import { useFaultCluster } from '../helpers/fault-cluster-suite.js';
import { faultSpec, type FaultSpecOptions } from '../helpers/fault-spec.js';
import { clientNames, placements, type Placement } from '../helpers/nats-monitor.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import { show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const suite = useFaultCluster('fault-nats-cluster', 'k', { natsServers: 3 });
const { tally, base } = suite;
const serverName = (i: number) => `locker-${i + 1}`;

describe('one server of a 3-node NATS cluster killed mid-up, restarted later', () => {
  it('the run finishes by itself, nothing lost or done twice; clients move to the other servers', async () => {
    const { cluster: c, work, project } = suite.current();
    const o: FaultSpecOptions = { data: path.join(work, 'data'), ports: { web: base, web2: base + 1 }, hosts: { web: 'alpha', db: 'beta' } };
    writeFileSync(path.join(work, 'locker.yml'), faultSpec(o));
    await c.waitAgentsUp(work, project);
    // `auto` replicas: the control point saw a cluster of three.
    const before = await placements(c.url, c.controlCreds);
    expect(before.map((p) => [p.name, p.replicas])).toEqual(before.map((p) => [p.name, 3]));
    expect(before.map((p) => p.name)).toEqual(expect.arrayContaining(['LOCKER_EVENTS', 'LOCKER_JOBS', 'LOCKER_RESULTS', 'KV_locker_locks']));

    const events = () => readNatsEvents(c.url, c.controlCreds, project);
    // While a stream elects a new leader its reads time out: a poll tries again.
    const polled = () => events().catch((): LockerEvent[] => []);
    const up = c.startControl(work, project, 'up', '--yes');
    const seen = await untilSucceeded(polled, up, 3);
    expect(up.running(), `the run ended before the kill:\n${up.output()}`).toBe(true);
    const runId = runIdOf(seen);

    // The server with the most of this run's clients; ties go to the one with the `up` process.
    const mine = ['locker-agent alpha', 'locker-agent beta', `locker-control ${project}`];
    const held = await Promise.all(c.monitors.map(async (m) => (await clientNames(m)).filter((n) => mine.includes(n))));
    const score = (names: string[]) => names.length * 2 + (names.includes(`locker-control ${project}`) ? 1 : 0);
    const victim = held.map(score).reduce((best, s, i, all) => (s > all[best]! ? i : best), 0);
    const moved = held[victim]!;
    const leaderships = (await placements(c.url, c.controlCreds)).filter((p) => p.leader === serverName(victim)).map((p) => p.name);
    await c.servers[victim]!.kill('SIGKILL');
    tally.fault(
      `nats-server ${serverName(victim)} of 3 SIGKILL after ${succeededIds(seen).size} actions succeeded ` +
        `(in flight: ${inFlight(seen).join(', ') || 'nothing'}; its clients: ${moved.join(', ')}; ` +
        `leader of: ${leaderships.join(', ') || 'nothing'})`,
    );

    // Its clients reconnect to the other two by themselves (the `up` process may finish first).
    const survivors = c.monitors.filter((_, i) => i !== victim);
    await until('the killed server\'s clients on the other servers', async () => {
      const names = (await Promise.all(survivors.map((m) => clientNames(m)))).flat();
      const missing = moved.filter((n) => !names.includes(n) && !(n.startsWith('locker-control') && !up.running()));
      return missing.length === 0 ? true : undefined;
    });
    // The run goes on with the server down: two more actions succeed (or it ends).
    const goal = succeededIds(seen).size + 2;
    const progressed = await until(`${goal} actions to succeed, or the run to end`, async () => {
      const ev = await events().catch(() => undefined);
      return ev && (succeededIds(ev).size >= goal || !up.running()) ? ev : undefined;
    }, 90_000, 100);
    tally.note(`${succeededIds(progressed).size} of ${planSize(progressed)} actions succeeded before ${serverName(victim)} came back`);
    await c.servers[victim]!.restart();

    const r = await up.result;
    expect(r.exitCode, `${show(r)}\n${c.logs()}`).toBe(0);
    tally.recovered(runId);
    tally.note('`up` finished the run itself; agents and the control point moved servers on their own');
    for (const host of ['alpha', 'beta']) expect(c.agent(host).running(), c.logs()).toBe(true);

    const all = await events().catch((e: Error) => {
      throw new Error(`${e.message}\n--- up\n${up.output()}`);
    });
    await expectCleanClusterRun(c, project, o, runId, all, tally, `${show(r)}\n${c.logs()}`);

    // The restarted server holds a current copy of every stream and job consumer again.
    let behind: Placement[] | undefined;
    await until(`${serverName(victim)} caught up`, async () => {
      const now = await placements(c.url, c.controlCreds).catch(() => undefined);
      behind = now?.filter((p) => !p.current || !p.peers.includes(serverName(victim))) ?? behind;
      return behind?.length === 0 ? true : undefined;
    }).catch((e: Error) => {
      const tail = (text: string) => text.split('\n').slice(-60).join('\n');
      throw new Error(`${e.message}; behind: ${JSON.stringify(behind, null, 1)}\n--- ${serverName(victim)}\n${tail(c.servers[victim]!.log())}`);
    });
    const plan = await c.control(work, project, 'plan');
    expect(plan.exitCode, show(plan)).toBe(0);
    expect(plan.stderr).not.toContain('has not finished');
  }, 240_000);
});
