// Fault: an agent SIGKILLed while it runs an action (NATS mode: generated users, agents as separate
// processes, a real nats-server), then started again. Its job was never acked: JetStream delivers it
// again once the 10 s ack wait runs out, the new agent finishes it, and the run (`locker up`) ends
// succeeded with each action done once.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inFlight, runIdOf, succeededIds } from '../helpers/event-views.js';
import { faultSpec, slowTemplateScript, type FaultSpecOptions } from '../helpers/fault-spec.js';
import { useFaultCluster } from '../helpers/fault-cluster-suite.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import { show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';
import { expectCleanClusterRun } from '../helpers/cluster-run-checks.js';

const suite = useFaultCluster('fault-agent', 'g');
const { tally, base } = suite;

describe('an agent killed during an action, then restarted', () => {
  it('the job is delivered again, the run finishes, nothing is done twice', async () => {
    const { cluster: c, work, project } = suite.current();
    // web's template takes a while on alpha: the kill lands while its lxc-create runs.
    const o: FaultSpecOptions = {
      data: path.join(work, 'data'),
      ports: { web: base, web2: base + 1 },
      hosts: { web: 'alpha', db: 'beta' },
      webTemplate: path.join(work, 'slow-template'),
    };
    writeFileSync(o.webTemplate!, slowTemplateScript(4), { mode: 0o755 });
    writeFileSync(path.join(work, 'locker.yml'), faultSpec(o));
    await c.waitAgentsUp(work, project);
    const events = () => readNatsEvents(c.url, c.controlCreds, project);

    const up = c.startControl(work, project, 'up', '--yes');
    const victim = c.agent('alpha');
    const seen = await until(
      'alpha to start creating web',
      async () => {
        const ev = await events();
        const started = ev.some((e) => e.type === 'action.started' && e.actionId === 'alpha/web/create');
        return (started && !succeededIds(ev).has('alpha/web/create')) || !up.running() ? ev : undefined;
      },
      60_000,
      50,
    );
    expect(up.running(), `the run ended before the kill:\n${up.output()}`).toBe(true);
    await victim.kill('SIGKILL');
    tally.fault(`agent alpha SIGKILL during alpha/web/create (in flight: ${inFlight(seen).join(', ')})`);
    const runId = runIdOf(seen);
    const restarted = c.startAgent('alpha');

    const r = await up.result;
    expect(r.exitCode, `${show(r)}\n${c.logs()}`).toBe(0);
    tally.recovered(runId);
    // The new agent got the job again and settled it; the killed one never did.
    const settled = new RegExp(`run=${runId} action=alpha/web/create attempt=1 outcome=(done|adopted)`).exec(restarted.output());
    expect(settled, c.logs()).not.toBeNull();
    tally.note(`the restarted agent settled alpha/web/create as ${settled![1]} (the killed agent's lxc-create ${settled![1] === 'adopted' ? 'had finished it' : 'had not made it'})`);
    expect(victim.output()).not.toContain('action=alpha/web/create');

    const all = await events();
    await expectCleanClusterRun(c, project, o, runId, all, tally);

    const plan = await c.control(work, project, 'plan');
    expect(plan.exitCode, show(plan)).toBe(0);
  });
});
