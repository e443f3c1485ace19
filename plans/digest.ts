// Digests of observed host state: what a saved plan was made against, to refuse it when stale.
// Addresses leased by DHCP are left out: a renewed lease alone must not make a plan stale.

import { createHash } from 'node:crypto';
import { stringifyCanonicalCompact } from '../src/rules/canonical-json.js';
import type { ObservedForward, ObservedHost, ObservedMount } from './observed.js';

export function hashSha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mountKey(m: ObservedMount): string {
  return `${m.hostPath}\0${m.containerPath}\0${m.readOnly}`;
}

function forwardKey(f: ObservedForward): string {
  return [f.project, f.container, f.protocol, f.hostIp ?? '', String(f.hostPort).padStart(5, '0'), f.containerPort, f.ipv6 ? '6' : ''].join('\0');
}

/** sha256 hex of the host's canonical state; ipv4 lists excluded, order of agent output irrelevant. */
export function digestObserved(host: ObservedHost): string {
  const containers = [...host.containers]
    .sort((a, b) => compareText(a.name, b.name))
    .map((c) => ({
      name: c.name,
      state: c.state,
      origin: c.origin,
      managed: c.managed && {
        ...c.managed,
        mounts: [...c.managed.mounts].sort((a, b) => compareText(mountKey(a), mountKey(b))),
      },
    }));
  const forwards = [...host.forwards].sort((a, b) => compareText(forwardKey(a), forwardKey(b)));
  const state: Record<string, unknown> = { host: host.host, lxcpath: host.lxcpath, containers, forwards };
  // Folders a plan's copy-out relies on; left out when none was reported, so older digests still hold.
  if (host.hostPaths !== undefined && Object.keys(host.hostPaths).length > 0) state.hostPaths = host.hostPaths;
  return hashSha256(stringifyCanonicalCompact(state));
}
