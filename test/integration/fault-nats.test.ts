// Fault: nats-server SIGKILLed mid-run (after some actions succeeded) and started again on the same
// port and the same file-backed JetStream store. Agents and the control point reconnect by themselves.
// If the `up` process survives, its run finishes; if it dies because its connection broke, `resume`
// finishes the run. Either way the run ends succeeded, nothing lost, nothing done twice; the report
// says which happened.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldRuns } from '../../src/events/index.js';
import { inFlight, runIdOf, succeededIds } from '../helpers/event-views.js';
import { faultSpec, type FaultSpecOptions } from '../helpers/fault-spec.js';
import { useFaultCluster } from '../helpers/fault-cluster-suite.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import { show } from '../helpers/run-locker.js';
import { expectCleanClusterRun, untilSucceeded } from '../helpers/cluster-run-checks.js';

const suite = useFaultCluster('fault-nats', 's');
const { tally, base } = suite;

describe('nats-server killed mid-run and restarted', () => {
  it('the run ends succeeded, nothing lost or done twice', async () => {
    const { cluster: c, work, project } = suite.current();
    const o: FaultSpecOptions = { data: path.join(work, 'data'), ports: { web: base, web2: base + 1 }, hosts: { web: 'alpha', db: 'beta' } };
    writeFileSync(path.join(work, 'locker.yml'), faultSpec(o));
    await c.waitAgentsUp(work, project);
    const events = () => readNatsEvents(c.url, c.controlCreds, project);

    const up = c.startControl(work, project, 'up', '--yes');
    const seen = await untilSucceeded(events, up, 3, () => c.logs());
    expect(up.running(), `the run ended before the kill:\n${up.output()}`).toBe(true);
    const runId = runIdOf(seen);
    await c.server.kill('SIGKILL');
    tally.fault(`nats-server SIGKILL after ${succeededIds(seen).size} actions succeeded (in flight: ${inFlight(seen).join(', ') || 'nothing'})`);
    await c.server.restart();

    const r = await up.result;
    if (r.exitCode === 0) {
      tally.note('`up` survived the restart and finished the run itself');
    } else {
      const error = r.stderr.split('\n').find((l) => l.startsWith('error[')) ?? `signal ${r.signal ?? 'none'}`;
      tally.note(`\`up\` exited ${r.exitCode} (${error}); \`resume\` finished the run`);
      expect(foldRuns(await events()).find((run) => run.runId === runId)?.status, show(r)).toBe('running');
      // `up` has exited: if it could not release its lock (the server was down), resume takes it over at once.
      const resumed = await c.control(work, project, 'resume', '--yes');
      expect(resumed.exitCode, `${show(resumed)}\n${c.logs()}`).toBe(0);
      expect(resumed.stderr).not.toContain('LOCK_HELD');
    }
    tally.recovered(runId);

    const all = await events();
    await expectCleanClusterRun(c, project, o, runId, all, tally, `${show(r)}\n${c.logs()}`);

    const plan = await c.control(work, project, 'plan');
    expect(plan.exitCode, show(plan)).toBe(0);
    expect(plan.stderr).not.toContain('has not finished');
  }, 240_000); // longer than its waits (agents up, then actions succeeded), so theirs say what stalled
});
