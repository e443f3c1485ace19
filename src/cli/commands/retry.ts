// `retry [RUN]` re-runs what failed, was skipped or never finished, and nothing that succeeded;
// `resume [RUN]` finishes a run whose control point died. Both read only the event log to decide.

import { parsePlan } from '../../../plans/index.js';
import { continueRun, stepsToRun } from '../../apply/index.js';
import { LockerError } from '../../errors.js';
import { findRun, foldRuns, type LockerEvent, type RunView } from '../../events/index.js';
import type { CliArgs } from '../args.js';
import { confirmChange } from '../confirm.js';
import { runAndReport, withApplySession } from '../execute-plan.js';
import type { Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';

function pickRun(events: LockerEvent[], id: string | undefined, mode: 'retry' | 'resume'): RunView {
  if (id !== undefined) return findRun(events, id);
  const runs = foldRuns(events);
  const wanted = (r: RunView) => (mode === 'resume' ? r.status === 'running' : r.status !== 'succeeded');
  const run = [...runs].reverse().find(wanted);
  if (!run) {
    throw new LockerError('RUN_NOT_FOUND', mode === 'resume' ? 'no unfinished run to resume' : 'no failed or unfinished run to retry', {
      hint: 'list runs with `locker runs`',
    });
  }
  return run;
}

export async function continueCommand(ctx: ProjectContext, cli: CliArgs, io: Io, mode: 'retry' | 'resume'): Promise<number> {
  const [id, ...extra] = cli.rest;
  if (extra.length > 0) throw new LockerError('USAGE', `${mode} takes at most one run id`);
  // The lock first: a run whose control point still lives holds it, and must not be resumed twice.
  return withApplySession(ctx, cli, io, async (session) => {
    const run = pickRun(await session.store.readAll(), id, mode);
    if (mode === 'resume' && run.status !== 'running') {
      throw new LockerError('USAGE', `run ${run.runId} is not unfinished: it ${run.status}`, {
        hint: run.status === 'succeeded' ? 'nothing to do' : `re-run its failed steps with \`locker retry ${run.runId} --yes\``,
      });
    }
    if (mode === 'retry' && run.status === 'succeeded') {
      throw new LockerError('USAGE', `run ${run.runId} succeeded: nothing to retry`);
    }
    const plan = parsePlan(JSON.stringify(run.plan), `run ${run.runId}`);
    const continued = continueRun(run, mode);
    const steps = stepsToRun(continued);
    if (!cli.options.json) {
      io.out(`${mode === 'retry' ? 'Retrying' : 'Resuming'} run ${run.runId} (plan ${run.planId}, ${run.command}): ${steps.length} steps to run.`);
      for (const step of steps) io.out(`  ${step} (attempt ${continued.attempts[step]})`);
    }
    if (!(await confirmChange(io, cli.options.yes, `${mode === 'retry' ? 'Retry' : 'Resume'} these steps?`))) {
      io.err('Cancelled: nothing was changed.');
      return 1;
    }
    const transport = await ctx.control.replayTransport(new Date(run.startedAt));
    return runAndReport(ctx, session, plan, cli, io, { continued, transport });
  });
}
