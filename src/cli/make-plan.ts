// Observes every host of the project and plans one command's changes against them.
// A host whose agent does not answer is planned against the state it last reported, and said so.

import type { ObservedHost, ObserveRequest } from '../../plans/observed.js';
import { holdsProject, observeRequests, planChanges, type Plan, type PlanMode } from '../../plans/index.js';
import { isLockerError, LockerError } from '../errors.js';
import { hostsOfRuns } from '../events/index.js';
import { checkCloneOrigins } from '../spec/index.js';
import { suggest } from '../spec/did-you-mean.js';
import { formatAge, type Io } from './output.js';
import type { ProjectContext } from './project-context.js';

export interface HostsView {
  observed: Map<string, ObservedHost>;
  /** Hosts whose agent did not answer → age of the state they last reported. */
  down: Map<string, number>;
  /**
   * Hosts nothing could be learnt about (no answer, and no state ever reported) → why. A host of the spec is
   * here only when the command said it can go on without it (`status`); otherwise it is an error.
   */
  unseen: Map<string, LockerError>;
}

export interface ObserveOptions {
  /** Show what can be seen when a host of the spec cannot be (`status`), instead of failing. */
  tolerateUnseen?: boolean;
  /**
   * The mode of the plan the view is for: one that may create containers also asks each host what is
   * at their volume folders (what copy-out would seed). A plan and its freshness check pass the same.
   */
  mode?: PlanMode;
}

type HostSight = { observed: ObservedHost; ageMs?: number } | { error: LockerError };

/**
 * Observes the spec's hosts and every other host Locker knows for the project: every agent that has
 * reported, every host a run of the project went to. A container on a host the spec no longer names is
 * still the project's; such a host is kept when it holds anything of the project.
 */
export async function observeHosts(ctx: ProjectContext, options: ObserveOptions = {}): Promise<HostsView> {
  const reported = await ctx.control.reportedHosts();
  const hosts = await knownHosts(ctx, reported);
  const inSpec = new Set(ctx.hosts);
  const requests = options.mode === undefined ? new Map<string, ObserveRequest>() : observeRequests(ctx.desired, options.mode);
  const sights = await Promise.all(hosts.map(async (host) => [host, await observeHost(ctx, host, reported, requests.get(host))] as const));
  const view: HostsView = { observed: new Map(), down: new Map(), unseen: new Map() };
  for (const [host, sight] of sights) {
    if ('error' in sight) {
      if (inSpec.has(host) && !options.tolerateUnseen) throw sight.error;
      view.unseen.set(host, sight.error);
      continue;
    }
    if (!inSpec.has(host) && !holdsProject(sight.observed, ctx.project)) continue;
    view.observed.set(host, sight.observed);
    if (sight.ageMs !== undefined) view.down.set(host, sight.ageMs);
  }
  return view;
}

/** The spec's hosts, and in NATS mode every host an agent reported as or a run of the project went to. */
async function knownHosts(ctx: ProjectContext, reported: readonly string[]): Promise<string[]> {
  if (ctx.control.mode === 'embedded') return ctx.hosts;
  const store = await ctx.control.openStore();
  let ran: string[];
  try {
    ran = hostsOfRuns(await store.readAll());
  } finally {
    await store.close();
  }
  return [...new Set([...ctx.hosts, ...reported, ...ran])].sort();
}

/** A host's state from its agent; from its last heartbeat when the agent does not answer. */
async function observeHost(ctx: ProjectContext, host: string, reported: readonly string[], request?: ObserveRequest): Promise<HostSight> {
  try {
    return { observed: await ctx.control.transport.observe(host, request) };
  } catch (e) {
    if (!isLockerError(e)) throw e;
    if (e.code !== 'AGENT_OFFLINE') return { error: e };
    try {
      const last = await ctx.control.lastKnownState(host);
      if (last) return { observed: last.observed, ageMs: last.ageMs };
    } catch (unreadable) {
      if (!isLockerError(unreadable)) throw unreadable;
      return { error: unreadable };
    }
    return { error: reported.includes(host) ? e : neverReported(host, reported) };
  }
}

function neverReported(host: string, reported: readonly string[]): LockerError {
  const guess = suggest(host, reported);
  const start = `start its agent on that host with its own credentials: locker agent --host ${host} --nats URL --creds agent-${host}.creds`;
  return new LockerError('AGENT_OFFLINE', `host "${host}" has no agent: none has ever reported as ${host}`, {
    hint: guess !== undefined ? `did you mean "${guess}"? If not, ${start}` : `check the host name; ${start}`,
    retryable: true,
  });
}

export function warnDownHosts(io: Io, view: HostsView): void {
  for (const [host, ageMs] of view.down) {
    io.err(
      `warning: host "${host}": its agent is not answering (last heartbeat ${formatAge(ageMs)} ago); ` +
        'planned against the state it last reported; its steps wait in the queue until it is back',
    );
  }
  warnUnseenHosts(io, view, 'anything of the project left there is not planned');
}

/** One line per host that could not be seen, with what it means for the command. */
export function warnUnseenHosts(io: Io, view: HostsView, consequence: string): void {
  for (const [host, error] of view.unseen) {
    io.err(`warning: host "${host}" cannot be seen: ${error.message}; ${consequence}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
  }
}

/** Observes the hosts and refuses clone origins that are neither in the spec nor on their host. */
export async function checkOriginsOnHosts(ctx: ProjectContext, options: ObserveOptions = {}): Promise<HostsView> {
  const view = await observeHosts(ctx, options);
  const existing = new Map([...view.observed].map(([h, o]) => [h, new Set(o.containers.map((c) => c.name))]));
  checkCloneOrigins(ctx.desired, existing);
  return view;
}

export interface PlanRequest {
  mode: PlanMode;
  targets: string[];
  move: boolean;
  /** `-t SECONDS`: every stop of the plan waits this long, over the containers' stop_timeout. */
  stopTimeout?: number | undefined;
  /** `--reprovision`: every provision list of the scope runs again. */
  reprovision?: boolean;
}

export async function makePlan(ctx: ProjectContext, request: PlanRequest): Promise<{ plan: Plan; view: HostsView }> {
  const view = await checkOriginsOnHosts(ctx, { mode: request.mode });
  const plan = planChanges({
    desired: ctx.desired,
    observed: view.observed,
    mode: request.mode,
    targets: request.targets,
    move: request.move,
    ...(request.stopTimeout === undefined ? {} : { stopTimeout: request.stopTimeout }),
    ...(request.reprovision === true ? { reprovision: true } : {}),
  });
  return { plan, view };
}
