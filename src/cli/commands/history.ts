// `runs` and `show RUN`: the history of the project, computed only by folding its event log.

import { findRun, foldRuns, type EventStore } from '../../events/index.js';
import { LockerError } from '../../errors.js';
import type { CliArgs } from '../args.js';
import { formatDuration, formatTable, printJson, type Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';

async function withStore<T>(ctx: ProjectContext, f: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await ctx.control.openStore();
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

export async function runsCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const runs = foldRuns(await withStore(ctx, (s) => s.readAll()));
  if (cli.options.json) {
    printJson(io, runs.map(({ plan: _plan, actions: _actions, ...summary }) => summary));
    return 0;
  }
  if (runs.length === 0) {
    io.out(`No runs yet for project ${ctx.project}.`);
    return 0;
  }
  io.out(
    formatTable(
      ['RUN', 'STARTED', 'STATUS', 'OK', 'FAILED', 'SKIPPED', 'COMMAND'],
      runs.map((r) => [
        r.runId,
        r.startedAt,
        r.status,
        String(r.counts.succeeded),
        String(r.counts.failed),
        String(r.counts.skipped),
        r.command,
      ]),
    ),
  );
  return 0;
}

export async function showCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const [id, ...extra] = cli.rest;
  if (id === undefined || extra.length > 0) {
    throw new LockerError('USAGE', 'show takes exactly one run id', { hint: 'list runs with `locker runs`' });
  }
  const run = findRun(await withStore(ctx, (s) => s.readAll()), id);
  if (cli.options.json) {
    printJson(io, run);
    return 0;
  }
  io.out(`Run ${run.runId} (plan ${run.planId}): ${run.status}\n  ${run.command}\n  started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}\n`);
  io.out(
    formatTable(
      ['STEP', 'STATE', 'ATTEMPTS', 'DURATION', 'ERROR'],
      run.actions.map((a) => [
        a.id,
        a.state === 'succeeded' && a.outcome === 'adopted' ? 'succeeded (adopted)' : a.state,
        String(a.attempts),
        formatDuration(a.durationMs),
        a.error ? `[${a.error.code}] ${a.error.message}` : a.skippedBecause ? `skipped: ${a.skippedBecause} did not succeed` : '',
      ]),
    ),
  );
  for (const a of run.actions) {
    if (a.output === undefined) continue;
    io.out(`\nOutput of ${a.id} (attempt ${a.attempts}, its last 4 KiB at most):`);
    io.out(a.output.split('\n').map((line) => `  | ${line}`).join('\n'));
  }
  return 0;
}
