// Runs of the project that have not finished: still running elsewhere, or left by a control point that died.
// `plan`, `up` and `status` read them so a user is never surprised by half-done work.

import { foldRuns, type RunView } from '../events/index.js';
import type { LockHolder } from '../lock/index.js';
import type { Io } from './output.js';
import type { ProjectContext } from './project-context.js';

export async function unfinishedRuns(ctx: ProjectContext): Promise<RunView[]> {
  const store = await ctx.control.openStore();
  try {
    return foldRuns(await store.readAll()).filter((r) => r.status === 'running');
  } finally {
    await store.close();
  }
}

/** `holdingLock`: this command holds the project lock, so no other process runs any of these runs. */
export async function warnUnfinishedRuns(ctx: ProjectContext, io: Io, holdingLock = false): Promise<void> {
  const runs = await unfinishedRuns(ctx);
  if (runs.length === 0) return;
  const holder = holdingLock ? undefined : await ctx.control.lockHolder();
  for (const run of runs) io.err(describeUnfinished(run, holder));
}

/**
 * A run's control point holds the project lock while it works: the run goes on while the lock's live
 * holder is the process the log says runs it. Only a run nobody runs is to be resumed.
 */
export function describeUnfinished(run: RunView, holder: LockHolder | undefined): string {
  const what = `run ${run.runId} (${run.command}, started ${run.startedAt})`;
  const by = run.by;
  if (by !== undefined && holder !== undefined && holder.pid === by.pid && holder.hostname === by.hostname) {
    return `note: ${what} is still running: pid ${by.pid} on ${by.hostname}; its changes are not all on the hosts yet`;
  }
  if (by === undefined && holder !== undefined) {
    const command = typeof holder.command === 'string' ? ` (${holder.command})` : '';
    return (
      `warning: ${what} has not finished; it may still be running: the project lock is held by pid ${holder.pid} ` +
      `on ${holder.hostname}${command}; if that process is not running it, \`locker resume --yes\` finishes it once the lock is free`
    );
  }
  const gone = by !== undefined ? ` (pid ${by.pid} on ${by.hostname})` : '';
  return `warning: ${what} has not finished and its control point${gone} is gone; \`locker resume --yes\` finishes it`;
}

/** What a container is doing in an unfinished run: `retrying 2/5 (start)`, `running forward-ports`. */
export function progressOf(runs: RunView[], host: string, container: string): string | undefined {
  for (const run of runs) {
    for (const a of run.actions) {
      if (a.host !== host || a.container !== container) continue;
      if (a.state === 'retrying') return `retrying ${a.attempts + 1}/${a.maxAttempts ?? '?'} (${a.kind})`;
      if (a.state === 'running' || a.state === 'dispatched') return `running ${a.kind}`;
    }
  }
  return undefined;
}
