// The shape steps of one container: its limits (set-limits, applied live to a running container), each
// as its cgroup v2 file or, where the host has that controller on cgroup v1 only, as its v1 files; its raw
// LXC keys (set-config, read at the next start); and the refusal of a host that has a limit's controller
// on neither hierarchy, since LXC would ignore the limit with only a warning.

import { LockerError } from '../src/errors.js';
import { controllerOf, type CgroupSetting } from '../src/rules/cgroup.js';
import { chooseCgroupFiles, compareSettings, type HostCgroups } from '../src/rules/cgroup-host.js';
import { needsRestart } from '../src/rules/lxc-config-keys.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { ownsConfig } from './compare-mounts.js';
import type { ObservedContainer, ObservedHost } from './observed.js';
import { refOf, requireHost } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { ChangeSymbol, ConfigLine } from './types.js';

/** What the host offers, as observe reports it (an agent older than v1 limits reports no v1 controllers). */
function hostCgroups(host: ObservedHost): HostCgroups {
  return { v2: host.cgroup2 ?? [], v1: host.cgroup1 ?? [] };
}

/** Each limit of the spec with the files it becomes on this host (none: the host has its controller on neither hierarchy). */
function cgroupFilesOf(spec: ContainerSpec, host: ObservedHost) {
  const offered = hostCgroups(host);
  return (spec.cgroup ?? []).map((limit) => ({ limit, files: chooseCgroupFiles(limit, offered) }));
}

/** The cgroup files the container's config gets on this host, in the order they are written. */
export function toCgroupSettings(spec: ContainerSpec, host: ObservedHost): CgroupSetting[] {
  return cgroupFilesOf(spec, host)
    .flatMap((c) => c.files ?? [])
    .sort(compareSettings);
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

  const host = requireHost(ctx.observed, spec.host);
  const settings = toCgroupSettings(spec, host);
  const haveSettings = owned ? (observed?.managed?.cgroup ?? []) : [];
  const limits = describeChanges(settings.map(settingLabel), haveSettings.map(settingLabel));
  if (limits !== undefined && !(observed === undefined && settings.length === 0)) {
    const v1 = [...new Set(settings.filter((s) => s.v1 === true).map((s) => controllerOf(s.key)))];
    const notes = [...(v1.length === 0 ? [] : [settings.every((s) => s.v1 === true) ? 'cgroup v1 on this host' : `cgroup v1 on this host: ${v1.join(', ')}`]), ...(observed?.state === 'RUNNING' ? ['live, no restart'] : [])];
    const note = notes.length === 0 ? '' : ` (${notes.join('; ')})`;
    const created = cgroupFilesOf(spec, host).map(({ limit, files }) => `${(files ?? []).map((f) => `${f.key} ${f.value}`).join(', ')} (${limit.from})`);
    const detail = observed === undefined ? created.join(', ') + note : `${limits}${note}`;
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
 * Refuses a container whose limits need a controller its host has on neither cgroup hierarchy, or whose
 * `lxc.cgroup2.*` keys under `config:` need a cgroup v2 controller the host lacks (raw keys are written as
 * given, never translated): LXC would start it without them, with a warning in its log only.
 */
export function assertCgroupHost(spec: ContainerSpec, host: ObservedHost): void {
  const offered = hostCgroups(host);
  const limit = cgroupFilesOf(spec, host).find((c) => c.files === undefined)?.limit;
  const raw = (spec.config ?? [])
    .filter((c) => c.key.startsWith('lxc.cgroup2.') && !c.key.startsWith('lxc.cgroup2.devices.'))
    .map((c) => ({ key: c.key.slice('lxc.cgroup2.'.length), ref: c.ref }))
    .find((c) => !offered.v2.includes(controllerOf(c.key)));
  const missing = limit ?? raw;
  if (missing === undefined) return;
  const controller = controllerOf(missing.key);
  const v1Name = limit === undefined ? '' : controllerOf(limit.v1[0]?.key ?? limit.key);
  const old = host.cgroup2 === undefined || host.cgroup1 === undefined;
  const why = old
    ? `the agent of host "${host.host}" does not report its cgroup controllers (it predates limits on cgroup v1 hosts)`
    : limit === undefined
      ? `host "${host.host}" has no cgroup v2 ${controller} controller, and a raw lxc.cgroup2 key is not translated`
      : `host "${host.host}" has the ${controller} controller neither on cgroup v2 nor as a cgroup v1 hierarchy${v1Name === controller ? '' : ` (${v1Name})`}`;
  throw new LockerError('HOST_PRECONDITION', `${spec.name} sets cgroup ${missing.key}, but ${why}: LXC would ignore it`, {
    hint: old
      ? 'upgrade locker on that host'
      : limit === undefined
        ? `write the limit under limits: or cgroup: (Locker writes it as the host takes it), or remove it`
        : `enable the ${controller} controller on that host, or remove this limit`,
    location: missing.ref,
  });
}

/** v1 files named as their v2 file: marked, so a host switched between hierarchies shows as drift. */
const SAME_NAME_IN_V1 = new Set(['pids.max', 'cpuset.cpus', 'cpuset.mems']);

function settingLabel(s: CgroupSetting): string {
  return `${s.key}=${s.value}${s.v1 === true && SAME_NAME_IN_V1.has(s.key) ? ' (v1)' : ''}`;
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
