// The planner: desired state + what the hosts report + a command -> an ordered Plan. Pure.
// It decides what to do and in which order; whether it is safe *now* is each action's own check.

import { LockerError } from '../src/errors.js';
import { addressKey, assignAddresses } from './assign-addresses.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import { digestObserved } from './digest.js';
import { findLeftovers, type TeardownSubject } from './find-leftovers.js';
import { checkForeignForwards } from './foreign-forwards.js';
import type { ObservedHost } from './observed.js';
import { findContainer, forwardsOf, refOf, requireHost } from './observed-lookup.js';
import { orderActions } from './order-actions.js';
import { computePlanId } from './plan-file.js';
import { planCloneOrigins } from './plan-clone-origins.js';
import { specNamed, type PlanContext } from './plan-context.js';
import { planCreation } from './plan-creation.js';
import { PlanDraft } from './plan-draft.js';
import { planExisting } from './plan-existing.js';
import { planFreezes } from './plan-freeze.js';
import { planRestarts } from './plan-restart.js';
import { assertCgroupHost } from './plan-shape.js';
import { planTeardowns, type TeardownRequest } from './plan-teardown.js';
import { resolveScope } from './resolve-scope.js';
import type { ActionReason, Plan, PlanMode } from './types.js';

export interface PlanInput {
  desired: DesiredState;
  /** One entry per host, keyed by host name. */
  observed: ReadonlyMap<string, ObservedHost>;
  mode: PlanMode;
  /** Short names; empty or absent means every container of the spec. */
  targets?: string[];
  /** Copy a new container's data out into its volume folders before mounting them; default true. */
  move?: boolean;
  /** The command's `-t SECONDS`: overrides every container's stop_timeout in this plan. */
  stopTimeout?: number;
  /** `--reprovision`: run every provision list of the scope again (`up` only). */
  reprovision?: boolean;
}

export function planChanges(input: PlanInput): Plan {
  const { desired, observed, mode } = input;
  const targets = [...new Set(input.targets ?? [])].sort();
  const named = namedLeftovers(desired, observed, mode, targets);
  const specTargets = targets.filter((t) => !named.some((s) => s.ref.container === t));
  // Only leftovers named: no spec container is in scope (an empty target list would mean all of them).
  const scope = targets.length > 0 && specTargets.length === 0 ? [] : resolveScope(desired, mode, specTargets);
  // Containers this plan may (re)address must get an address; the others get one for links to point at.
  const addressed = mode === 'up' || mode === 'create' ? scope.map((c) => addressKey(c.host, c.lxcName)) : [];
  const converging = mode === 'up' || mode === 'create' || mode === 'start' || mode === 'restart' || mode === 'ports';
  const addresses = converging ? assignAddresses(desired, observed, new Set(addressed)) : new Map();
  const ctx: PlanContext = { desired, observed, mode, move: input.move !== false, draft: new PlanDraft(desired.project), addresses, seeded: new Map() };
  if (input.stopTimeout !== undefined) ctx.stopTimeout = input.stopTimeout;
  if (input.reprovision === true) ctx.reprovision = true;
  // Leftovers of the project are only looked for when the command covers the whole project.
  const leftovers = targets.length === 0 && (mode === 'up' || mode === 'down' || mode === 'rmports');
  switch (mode) {
    case 'up':
    case 'create':
    case 'start':
    case 'ports': {
      planConverge(ctx, scope);
      const left: TeardownSubject[] = leftovers ? findLeftovers(desired, observed) : [];
      planTeardowns(ctx, left.map((subject) => ({ subject, reason: 'not-in-spec', stop: true, destroy: true })));
      checkForeignForwards(ctx, scope, left);
      break;
    }
    case 'restart':
      planRestarts(ctx, scope);
      break;
    case 'freeze':
    case 'unfreeze':
      planFreezes(ctx, scope, new Set(specTargets));
      break;
    case 'stop': {
      const steps = { stop: true, destroy: false };
      planTeardowns(ctx, [...specRequests(ctx, scope, steps), ...requested(named, steps)]);
      break;
    }
    case 'rm':
    case 'down': {
      const steps = { stop: true, destroy: true };
      const extra = leftovers ? leftoverRequests(ctx, 'not-in-spec', true) : [];
      planTeardowns(ctx, [...specRequests(ctx, scope, steps), ...requested(named, steps), ...extra]);
      break;
    }
    case 'rmports': {
      const steps = { stop: false, destroy: false };
      const extra = leftovers ? leftoverRequests(ctx, 'requested', false) : [];
      planTeardowns(ctx, [...specRequests(ctx, scope, steps), ...requested(named, steps), ...extra]);
      break;
    }
  }
  const actions = orderActions(ctx.draft.materialize());
  const hosts = new Set([...scope.map((c) => c.host), ...actions.map((a) => a.host)]);
  if (leftovers) for (const host of observed.keys()) hosts.add(host);
  const observedDigests: Record<string, string> = {};
  for (const host of [...hosts].sort()) observedDigests[host] = digestObserved(requireHost(observed, host));
  const plan: Omit<Plan, 'planId'> = {
    version: 1,
    project: desired.project,
    mode,
    specFile: desired.file,
    specDigest: desired.digest,
    observedDigests,
    targets,
    actions,
  };
  return { ...plan, planId: computePlanId(plan) };
}

function planConverge(ctx: PlanContext, scope: readonly ContainerSpec[]): void {
  const { mode } = ctx;
  for (const spec of scope) {
    const host = requireHost(ctx.observed, spec.host);
    if (mode !== 'ports') assertCgroupHost(spec, host);
    const observed = findContainer(host, spec.lxcName);
    if (observed !== undefined) planExisting(ctx, spec, observed, host);
    else if (mode === 'up' || mode === 'create') planCreation(ctx, spec);
    else if (mode === 'start') {
      throw new LockerError('HOST_PRECONDITION', `container ${spec.name} does not exist`, {
        hint: 'run `locker create` or `locker up` first',
        location: spec.ref,
      });
    }
  }
  planCloneOrigins(ctx, scope);
  for (const spec of scope) {
    for (const name of spec.dependsOn) {
      const dependency = refOf(specNamed(ctx, name, spec));
      ctx.draft.require(refOf(spec), 'start', dependency, 'start');
      // What a container depends on is ready once provisioned: a database installs before its client starts.
      ctx.draft.require(refOf(spec), 'start', dependency, 'provision');
    }
  }
}

function specRequests(ctx: PlanContext, scope: readonly ContainerSpec[], steps: { stop: boolean; destroy: boolean }): TeardownRequest[] {
  return scope.map((spec) => {
    const host = requireHost(ctx.observed, spec.host);
    const subject = { ref: refOf(spec), observed: findContainer(host, spec.lxcName), forwards: forwardsOf(host, ctx.desired.project, spec.name) };
    return { subject, reason: 'requested', spec, ...steps };
  });
}

const TEARDOWN_MODES: ReadonlySet<PlanMode> = new Set<PlanMode>(['stop', 'rm', 'down', 'rmports']);

/**
 * Leftovers a teardown command names (`locker rm OLD`): containers of the project that a host still
 * holds under a name the spec no longer has, on any host, named in the spec's hosts or not.
 */
function namedLeftovers(
  desired: DesiredState,
  observed: ReadonlyMap<string, ObservedHost>,
  mode: PlanMode,
  targets: readonly string[],
): TeardownSubject[] {
  if (!TEARDOWN_MODES.has(mode) || targets.length === 0) return [];
  const wanted = new Set(targets);
  return findLeftovers(desired, observed).filter((s) => wanted.has(s.ref.container));
}

function requested(subjects: readonly TeardownSubject[], steps: { stop: boolean; destroy: boolean }): TeardownRequest[] {
  return subjects.map((subject) => ({ subject, reason: 'requested', ...steps }));
}

function leftoverRequests(ctx: PlanContext, reason: ActionReason, remove: boolean): TeardownRequest[] {
  return findLeftovers(ctx.desired, ctx.observed).map((subject) => ({ subject, reason, stop: remove, destroy: remove }));
}
