// The shape steps of one container: its cgroup v2 limits (set-limits, applied live to a running
// container) and its raw LXC keys (set-config, read at the next start); and the refusal of a host
// whose cgroup v2 cannot take the limits, since LXC would ignore them with only a warning.

import { LockerError } from '../src/errors.js';
import { controllerOf, type CgroupSetting } from '../src/rules/cgroup.js';
import { needsRestart } from '../src/rules/lxc-config-keys.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { ownsConfig } from './compare-mounts.js';
import type { ObservedContainer, ObservedHost } from './observed.js';
import { refOf } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { ChangeSymbol, ConfigLine } from './types.js';

export function toCgroupSettings(spec: ContainerSpec): CgroupSetting[] {
  return (spec.cgroup ?? []).map(({ key, value }) => ({ key, value }));
}

export function toConfigLines(spec: ContainerSpec): ConfigLine[] {
  return (spec.config ?? []).flatMap(({ key, values }) => values.map((value) => ({ key, value })));
}

/** set-limits and set-config as far as they differ; `restart` names what only a restart applies. */
export function planShapeSteps(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer | undefined, symbol: ChangeSymbol): { restart: string[] } {
  const ref = refOf(spec);
  const reason = symbol === '+' ? 'missing' : 'drifted';
  const owned = ownsConfig(observed?.managed, ctx.desired.project, spec.name);
  const restart: string[] = [];

  const settings = toCgroupSettings(spec);
  const haveSettings = owned ? (observed?.managed?.cgroup ?? []) : [];
  const limits = describeChanges(settings.map(settingLabel), haveSettings.map(settingLabel));
  if (limits !== undefined && !(observed === undefined && settings.length === 0)) {
    const live = observed?.state === 'RUNNING' ? ' (live, no restart)' : '';
    const detail = observed === undefined ? (spec.cgroup ?? []).map((c) => `${c.key} ${c.value} (${c.from})`).join(', ') : `${limits}${live}`;
    ctx.draft.add(ref, { symbol, reason, detail, specRef: spec.cgroup?.[0]?.ref ?? spec.ref, params: { kind: 'set-limits', settings } });
  }

  const lines = toConfigLines(spec);
  const haveLines = owned ? (observed?.managed?.config ?? []) : [];
  const config = describeChanges(lines.map(lineLabel), haveLines.map(lineLabel));
  if (config !== undefined && !(observed === undefined && lines.length === 0)) {
    const changedKeys = new Set([...lines, ...haveLines].filter((l) => !sameLines(lines, haveLines, l.key)).map((l) => l.key));
    const restartKeys = [...changedKeys].filter(needsRestart);
    const when = observed === undefined ? '' : restartKeys.length > 0 ? ` (needs a restart: ${restartKeys.join(', ')})` : ' (no restart needed)';
    const allowed = spec.allowConfig ?? [];
    const optIns = allowed.length === 0 ? '' : `; opted in: ${allowed.join(', ')}`;
    const detail = (observed === undefined ? lines.map(lineLabel).join(', ') : config) + when + optIns;
    const params: { kind: 'set-config'; lines: ConfigLine[]; allowed?: string[] } = { kind: 'set-config', lines };
    if (allowed.length > 0) params.allowed = [...allowed];
    ctx.draft.add(ref, { symbol, reason, detail, specRef: spec.config?.[0]?.ref ?? spec.ref, params });
    if (observed !== undefined && restartKeys.length > 0) restart.push('config');
  }
  return { restart };
}

/**
 * Refuses a container whose limits (or `lxc.cgroup2.*` keys) need a cgroup v2 controller its host lacks:
 * LXC would start it without them, with a warning in its log only.
 */
export function assertCgroupV2(spec: ContainerSpec, host: ObservedHost): void {
  const wanted = [
    ...(spec.cgroup ?? []).map((c) => ({ key: c.key, ref: c.ref })),
    ...(spec.config ?? []).filter((c) => c.key.startsWith('lxc.cgroup2.') && !c.key.startsWith('lxc.cgroup2.devices.')).map((c) => ({ key: c.key.slice('lxc.cgroup2.'.length), ref: c.ref })),
  ];
  if (wanted.length === 0) return;
  const offered = new Set(host.cgroup2 ?? []);
  const missing = wanted.find((w) => !offered.has(controllerOf(w.key)));
  if (missing === undefined) return;
  const controller = controllerOf(missing.key);
  const why =
    host.cgroup2 === undefined
      ? `the agent of host "${host.host}" does not report cgroup v2 controllers (it predates limits)`
      : host.cgroup2.length === 0 || !offered.has('memory')
        ? `host "${host.host}" has no cgroup v2 ${controller} controller (a cgroup v1 or hybrid host)`
        : `host "${host.host}" has no cgroup v2 ${controller} controller`;
  throw new LockerError('HOST_PRECONDITION', `${spec.name} sets cgroup ${missing.key}, but ${why}: LXC would ignore it`, {
    hint:
      host.cgroup2 === undefined
        ? 'upgrade locker on that host'
        : 'boot the host with cgroup v2 only (systemd.unified_cgroup_hierarchy=1, or cgroup_no_v1=all), or remove the limits of this container',
    location: missing.ref,
  });
}

function settingLabel(s: CgroupSetting): string {
  return `${s.key}=${s.value}`;
}

function lineLabel(l: ConfigLine): string {
  return l.value === '' ? `${l.key} =` : `${l.key} = ${l.value}`;
}

/** The values of `key` in both lists, in order, are the same. */
function sameLines(a: readonly ConfigLine[], b: readonly ConfigLine[], key: string): boolean {
  const va = a.filter((l) => l.key === key).map((l) => l.value);
  const vb = b.filter((l) => l.key === key).map((l) => l.value);
  return va.length === vb.length && va.every((v, i) => v === vb[i]);
}

/** `+a -b` of two lists of labels (order counts: LXC reads list keys in order), or undefined when equal. */
function describeChanges(want: readonly string[], have: readonly string[]): string | undefined {
  if (want.length === have.length && want.every((w, i) => w === have[i])) return undefined;
  const added = want.filter((w) => !have.includes(w));
  const removed = have.filter((h) => !want.includes(h));
  const parts = [...added.map((a) => `+${a}`), ...removed.map((r) => `-${r}`)];
  return parts.length === 0 ? 'order of lines differs' : parts.join(' ');
}
