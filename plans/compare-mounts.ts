// How a container's Locker config block differs from the spec: identity of the block, then mounts.
// Mounts compare as sets: the order lines appear in a config file is not a difference.

import type { ContainerSpec } from '../src/spec/types.js';
import type { ManagedConfig, ObservedMount } from './observed.js';
import type { ActionParams, MountAllowances, MountParams } from './types.js';

export function toMountParams(spec: ContainerSpec): MountParams[] {
  return spec.volumes.map((v) => ({ hostPath: v.hostPath, containerPath: v.containerPath, readOnly: v.readOnly }));
}

/** Params of a copy-out or write-mounts job: the mounts, and the spec's opt-ins so the agent can check them again. */
export function mountJobParams<K extends 'copy-out' | 'write-mounts'>(kind: K, spec: ContainerSpec): Extract<ActionParams, { kind: K }> {
  const params: { kind: K; mounts: MountParams[] } & MountAllowances = { kind, mounts: toMountParams(spec) };
  if (spec.allowHostPaths !== undefined && spec.allowHostPaths.length > 0) params.allowed = [...spec.allowHostPaths];
  return params as Extract<ActionParams, { kind: K }>;
}

/** `; opted in: /etc/ssl/certs` for a plan line, so a reviewer sees every exposed host path. */
export function describeOptIns(spec: ContainerSpec): string {
  const allowed = spec.allowHostPaths ?? [];
  return allowed.length === 0 ? '' : `; opted in: ${allowed.join(', ')}`;
}

function mountLabel(m: ObservedMount): string {
  return `${m.hostPath}:${m.containerPath}${m.readOnly ? ':ro' : ''}`;
}

/** True when the block was written by this project for this container (a clone inherits its origin's). */
export function ownsConfig(managed: ManagedConfig | undefined, project: string, name: string): boolean {
  return managed !== undefined && managed.project === project && managed.container === name;
}

/** Why the mounts must be rewritten, or undefined when the block matches the spec. */
export function describeMountDrift(spec: ContainerSpec, project: string, managed: ManagedConfig | undefined): string | undefined {
  if (managed === undefined) return 'no Locker config block';
  if (!ownsConfig(managed, project, spec.name)) {
    return `config block was written for ${managed.project}/${managed.container}`;
  }
  const want = new Set(toMountParams(spec).map(mountLabel));
  const have = new Set(managed.mounts.map(mountLabel));
  const added = [...want].filter((m) => !have.has(m)).sort();
  const removed = [...have].filter((m) => !want.has(m)).sort();
  if (added.length === 0 && removed.length === 0) return undefined;
  return ['mounts differ:', ...added.map((m) => `+${m}`), ...removed.map((m) => `-${m}`)].join(' ');
}

/**
 * Why the hostname hook must be (re)installed, or undefined. A block written for another container
 * carries that container's hook, so it is replaced whenever either side names a hostname.
 */
export function describeHostnameDrift(spec: ContainerSpec, project: string, managed: ManagedConfig | undefined): string | undefined {
  const owned = ownsConfig(managed, project, spec.name);
  const have = managed?.fqdn;
  if (owned && have === spec.fqdn) return undefined;
  if (!owned && have === undefined && spec.fqdn === undefined) return undefined;
  if (spec.fqdn === undefined) return `remove hostname hook for ${have}`;
  if (have === undefined) return `hostname ${spec.fqdn} is not set`;
  return `hostname ${have} -> ${spec.fqdn}`;
}
