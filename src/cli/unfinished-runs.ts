// Runs of the project that have not finished: still running elsewhere, or left by a control point that died.
// `plan`, `up` and `status` read them so a user is never surprised by half-done work.

import { foldRuns, type RunView } from '../events/index.js';
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

export async function warnUnfinishedRuns(ctx: ProjectContext, io: Io): Promise<void> {
  for (const run of await unfinishedRuns(ctx)) {
    io.err(
      `warning: run ${run.runId} (${run.command}, started ${run.startedAt}) has not finished: it is still running, ` +
        'or its control point died; `locker resume --yes` finishes it',
    );
  }
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
