// validate, plan, apply FILE, and the changing commands (up, down, create, start, stop, restart, rm, ports, rmports,
// freeze, unfreeze).
// Each changing command is a plan limited to what it means, applied the same way.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePlan, renderPlan, serializePlan, summarizePlan, type Plan, type PlanMode } from '../../../plans/index.js';
import { LockerError } from '../../errors.js';
import type { CliArgs } from '../args.js';
import { confirmChange } from '../confirm.js';
import { assertFresh, executePlan, planCreated, runAndReport, withApplySession } from '../execute-plan.js';
import { checkOriginsOnHosts, makePlan, warnDownHosts } from '../make-plan.js';
import { printJson, type Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';
import { warnUnfinishedRuns } from '../unfinished-runs.js';

/** Exit codes of `plan`, as `terraform plan -detailed-exitcode`. */
export const EXIT_NO_CHANGES = 0;
export const EXIT_CHANGES = 2;

export async function validateCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const { desired } = ctx;
  // Clone origins outside the project can only be checked against the hosts.
  await checkOriginsOnHosts(ctx);
  if (cli.options.json) printJson(io, { valid: true, project: desired.project, digest: desired.digest, containers: desired.containers });
  else io.out(`${ctx.specFile} is valid: project ${desired.project}, ${desired.containers.length} containers (${desired.containers.map((c) => c.name).join(', ')}).`);
  return 0;
}

export async function planCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const { plan, view } = await makePlan(ctx, { mode: 'up', targets: cli.rest, move: cli.options.move, reprovision: cli.options.reprovision });
  warnDownHosts(io, view);
  await warnUnfinishedRuns(ctx, io);
  if (cli.options.out !== undefined) {
    const out = path.resolve(cli.options.out);
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, serializePlan(plan));
  }
  if (plan.actions.length > 0) {
    const store = await ctx.control.openStore();
    try {
      await store.append([planCreated(plan)]);
    } finally {
      await store.close();
    }
  }
  if (cli.options.json) printJson(io, { plan, summary: summarizePlan(plan), downHosts: [...view.down.keys()] });
  else {
    io.out(renderPlan(plan));
    if (cli.options.out !== undefined && plan.actions.length > 0) io.out(`Saved the plan to ${cli.options.out}; apply exactly it with: locker apply ${cli.options.out}`);
  }
  return plan.actions.length > 0 ? EXIT_CHANGES : EXIT_NO_CHANGES;
}

const QUESTIONS: Record<PlanMode, string> = {
  up: 'Apply these changes?',
  down: 'Remove these containers (host data of volumes is kept)?',
  create: 'Create these containers?',
  start: 'Start these containers?',
  stop: 'Stop these containers?',
  restart: 'Restart these containers?',
  rm: 'Remove these containers (host data of volumes is kept)?',
  ports: 'Forward these ports?',
  rmports: 'Remove these port forwards?',
  freeze: 'Freeze these containers?',
  unfreeze: 'Unfreeze these containers?',
};

/**
 * Planned under the project lock, as Terraform plans under its state lock: a command that waited
 * for another one plans against what that one left, never against the hosts before it.
 */
export async function changeCommand(ctx: ProjectContext, cli: CliArgs, io: Io, mode: PlanMode): Promise<number> {
  return withApplySession(ctx, cli, io, async (session) => {
    const { plan, view } = await makePlan(ctx, {
      mode,
      targets: cli.rest,
      move: cli.options.move,
      stopTimeout: cli.options.stopTimeout,
      reprovision: cli.options.reprovision,
    });
    warnDownHosts(io, view);
    // Under the lock: no other process can be running an unfinished run.
    if (mode === 'up') await warnUnfinishedRuns(ctx, io, true);
    if (plan.actions.length === 0) {
      if (cli.options.json) printJson(io, { planId: plan.planId, outcome: 'unchanged', summary: summarizePlan(plan) });
      else io.out(renderPlan(plan));
      return 0;
    }
    if (!cli.options.json) io.out(renderPlan(plan));
    if (!(await confirmChange(io, cli.options.yes, QUESTIONS[mode]))) {
      io.err('Cancelled: nothing was changed.');
      return 1;
    }
    // A Ctrl-C while planning or reading the plan: nothing has started, so nothing starts.
    if (session.signal.aborted) {
      io.err('Cancelled: nothing was changed.');
      return 1;
    }
    // While a user read the plan, a host may have changed by hand; under --yes no time passed.
    if (!cli.options.yes) await assertFresh(ctx, plan);
    await session.store.append([planCreated(plan)]);
    return runAndReport(ctx, session, plan, cli, io);
  });
}

export async function applyCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const [file, ...extra] = cli.rest;
  if (file === undefined || extra.length > 0) {
    throw new LockerError('USAGE', 'apply takes exactly one plan file', { hint: 'make one with `locker plan -o FILE`' });
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new LockerError('USAGE', `cannot read plan file ${file}: ${(e as Error).message}`);
  }
  const plan = parsePlan(text, file);
  await assertFresh(ctx, plan);
  if (!cli.options.json) io.out(renderPlan(plan));
  if (plan.actions.length === 0) return 0;
  if (!(await confirmChange(io, cli.options.yes, QUESTIONS[plan.mode]))) {
    io.err('Cancelled: nothing was changed.');
    return 1;
  }
  return executePlan(ctx, plan, cli, io);
}
