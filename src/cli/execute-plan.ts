// Applies a reviewed plan under the project lock: re-checks that it is not stale, runs it, prints the outcome.

import { hostname } from 'node:os';
import { digestObserved, summarizePlan, type Plan } from '../../plans/index.js';
// Types only: the engine (xstate, the machines) is loaded when a plan runs, not for `plan`.
import type { ContinuedRun, ProgressNote } from '../apply/index.js';
import { LockerError } from '../errors.js';
import type { EventStore, NewEvent } from '../events/index.js';
import type { Transport } from '../transport/types.js';
import type { CliArgs } from './args.js';
import { observeHosts } from './make-plan.js';
import { formatDuration, printJson, type Io } from './output.js';
import type { ProjectContext } from './project-context.js';
import { takeProjectLock } from './project-lock.js';
import { QueueWatch } from './queue-watch.js';

export function planCreated(plan: Plan): NewEvent {
  return {
    type: 'plan.created',
    project: plan.project,
    planId: plan.planId,
    data: { mode: plan.mode, actions: plan.actions.length, specDigest: plan.specDigest },
  };
}

/** Refuses a plan made against another spec or other host states than the current ones. */
export async function assertFresh(ctx: ProjectContext, plan: Plan): Promise<void> {
  const hint = 'make a new plan with `locker plan -o FILE` and review it';
  if (plan.project !== ctx.project) {
    throw new LockerError('PLAN_STALE', `plan is for project "${plan.project}", not "${ctx.project}"`, { hint });
  }
  if (plan.specDigest !== ctx.desired.digest) {
    throw new LockerError('PLAN_STALE', `plan is stale: ${ctx.specFile} changed since the plan was made`, { hint });
  }
  const { observed } = await observeHosts(ctx, { mode: plan.mode });
  for (const [host, digest] of Object.entries(plan.observedDigests)) {
    const now = observed.get(host) ?? (await ctx.control.transport.observe(host));
    if (digestObserved(now) !== digest) {
      throw new LockerError('PLAN_STALE', `plan is stale: host "${host}" changed since the plan was made`, { hint });
    }
  }
}

function describeProgress(note: ProgressNote): string | undefined {
  const a = note.action;
  const what = `${a.lxcName} ${a.kind}`;
  switch (note.type) {
    case 'dispatched':
    case 'started':
      return undefined;
    case 'output':
      return note.lines.map((line) => `  ${a.lxcName} | ${line}`).join('\n');
    case 'succeeded':
      return `  ✓ ${what}${note.outcome === 'adopted' ? ' (already done)' : ''} [${formatDuration(note.durationMs)}]${note.warning ? `: ${note.warning}` : ''}`;
    case 'failed':
      return `  ✗ ${what}: error[${note.code}] ${note.message}`;
    case 'skipped':
      return `  - ${what} skipped: ${note.because} did not succeed`;
    case 'retrying':
      return `  ↻ ${what}: ${note.message}; retrying ${note.attempt + 1}/${note.maxAttempts} in ${formatDuration(note.delayMs)}`;
  }
}

export interface ApplySession {
  store: EventStore;
  signal: AbortSignal;
  command: string;
}

/**
 * Holds what a changing command needs while it runs: the project lock, the event store, and Ctrl-C
 * handling (first: no new steps; second: exit at once). Everything is released however it ends.
 */
export async function withApplySession<T>(ctx: ProjectContext, cli: CliArgs, io: Io, body: (s: ApplySession) => Promise<T>): Promise<T> {
  const command = ['locker', cli.command, ...cli.rest].join(' ');
  const lock = await takeProjectLock(ctx, [cli.command, ...cli.rest].join(' '), cli.options.lockTimeoutMs, io);
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    io.err('interrupt: no new steps start; steps in flight finish (Ctrl-C again to exit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const store = await ctx.control.openStore();
    try {
      return await body({ store, signal: controller.signal, command });
    } finally {
      await store.close();
    }
  } finally {
    process.off('SIGINT', onSigint);
    await lock.release();
  }
}

/** Runs a plan (or the rest of a run) and prints its outcome; the exit code says whether it succeeded. */
export async function runAndReport(
  ctx: ProjectContext,
  session: ApplySession,
  plan: Plan,
  cli: CliArgs,
  io: Io,
  more: { continued?: ContinuedRun; transport?: Transport } = {},
): Promise<number> {
  const settled = Object.entries(more.continued?.initialStatus ?? {}).filter(([, s]) => s !== 'pending');
  const watch = new QueueWatch({
    actions: plan.actions,
    settled: new Set(settled.map(([id]) => id)),
    presence: (host) => ctx.control.agentPresence(host),
    say: (line) => io.err(line),
  });
  // Only agents behind NATS can be away while their steps wait.
  if (ctx.control.mode === 'nats' && !cli.options.json) watch.start();
  const { applyPlan } = await import('../apply/index.js');
  let applied: Awaited<ReturnType<typeof applyPlan>>;
  try {
    applied = await applyPlan({
      plan,
      transport: more.transport ?? ctx.control.transport,
      store: session.store,
      command: session.command,
      parallelism: cli.options.parallelism,
      signal: session.signal,
      continued: more.continued,
      by: { pid: process.pid, hostname: hostname() },
      onProgress: (note) => {
        watch.note(note);
        const line = describeProgress(note);
        if (line !== undefined && !cli.options.json) io.err(line);
      },
    });
  } finally {
    await watch.stop();
  }
  const { runId, output } = applied;
  const { counts, outcome } = output;
  if (cli.options.json) {
    printJson(io, { runId, planId: plan.planId, outcome, counts, summary: summarizePlan(plan) });
  } else if (outcome === 'succeeded') {
    io.out(`Apply complete: run ${runId}, ${counts.succeeded} steps succeeded.`);
  } else {
    io.out(
      `Apply ${outcome}: run ${runId}, ${counts.succeeded} succeeded, ${counts.failed} failed, ${counts.skipped} skipped, ${counts.pending} not started.`,
    );
    io.out(outcome === 'interrupted' ? `Finish it with: locker resume --yes` : `See the steps with: locker show ${runId}; retry the failed ones with: locker retry ${runId} --yes`);
  }
  return outcome === 'succeeded' ? 0 : 1;
}

/** Applies a saved plan (`plan -o`, then `apply FILE`): it was recorded in the log when it was saved. */
export async function executePlan(ctx: ProjectContext, plan: Plan, cli: CliArgs, io: Io): Promise<number> {
  return withApplySession(ctx, cli, io, async (session) => {
    // Another change may have landed between review and lock: never apply a plan to a host it was not made for.
    await assertFresh(ctx, plan);
    return runAndReport(ctx, session, plan, cli, io);
  });
}
