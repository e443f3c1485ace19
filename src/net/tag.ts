// The comment tags that mark Locker's rules: how they are written and read back.
// A tag is the only thing that says a rule is ours, so parsing is strict.

import type { ObservedForward } from '../../plans/observed.js';
import { isIpv4 } from '../rules/ipv4.js';
import { isCanonicalIpv6 } from '../rules/ipv6.js';
import { isContainerName, isHostName, isProjectName } from '../rules/names.js';
import { isPortNumber, isProtocol } from '../rules/ports.js';

/** Comment of the jump rules from the built-in chains; shared by every project. */
export const JUMP_TAG = 'locker:jump';

const TAG_ROOT = 'locker';

/**
 * What a per-port tag says: `locker:PROJECT:CONTAINER:PROTO:HOSTIP_OR_*:HOSTPORT:CPORT:HOST`.
 * HOST is the agent's host name: several agents may share one kernel's netfilter (hosts simulated
 * with lxcpaths on one machine), and each must see and change only its own forwards.
 * An IPv6 forward has PROTO `tcp6`/`udp6` (so `*` still says which family) and its HOSTIP with `-`
 * for `:`, which separates the fields: `locker:demo:web:tcp6:2001-db8--1:8080:80:local`.
 */
export type ForwardTag = Omit<ObservedForward, 'targetIp' | 'complete'> & { host: string };

/** The comment prefix of a project's rules (or one container's); the trailing colon keeps `demo` from matching `demo2`. */
export function ruleTag(project: string, container?: string): string {
  return container === undefined ? `${TAG_ROOT}:${project}:` : `${TAG_ROOT}:${project}:${container}:`;
}

export function formatForwardTag(t: ForwardTag): string {
  const protocol = t.ipv6 ? `${t.protocol}6` : t.protocol;
  const hostIp = t.hostIp === undefined ? '*' : t.ipv6 ? t.hostIp.replaceAll(':', '-') : t.hostIp;
  return `${ruleTag(t.project, t.container)}${protocol}:${hostIp}:${t.hostPort}:${t.containerPort}:${t.host}`;
}

/** The tag's fields, or undefined for any comment that is not a well-formed per-port tag. */
export function parseForwardTag(comment: string): ForwardTag | undefined {
  const parts = comment.split(':');
  if (parts.length !== 8) return undefined;
  const [root, project, container, protocol, hostIp, hostPort, containerPort, host] = parts as [
    string, string, string, string, string, string, string, string,
  ];
  if (root !== TAG_ROOT || !isProjectName(project) || !isContainerName(container) || !isHostName(host)) return undefined;
  const ipv6 = protocol === 'tcp6' || protocol === 'udp6';
  const base = ipv6 ? protocol.slice(0, -1) : protocol;
  if (!isProtocol(base)) return undefined;
  const hp = portOf(hostPort);
  const cp = portOf(containerPort);
  if (hp === undefined || cp === undefined) return undefined;
  let address: string | undefined;
  if (hostIp !== '*') {
    address = ipv6 ? hostIp.replaceAll('-', ':') : hostIp;
    // Only the one spelling Locker writes: two spellings of one address would make two forwards. `::` is written `*`.
    if (!(ipv6 ? isCanonicalIpv6(address) && address !== '::' : isIpv4(address))) return undefined;
  }
  const tag: ForwardTag = { project, container, protocol: base, hostPort: hp, containerPort: cp, host };
  if (address !== undefined) tag.hostIp = address;
  if (ipv6) tag.ipv6 = true;
  return tag;
}

/** A port as Locker writes it: decimal, no leading zero. */
function portOf(text: string): number | undefined {
  const n = Number(text);
  return isPortNumber(n) && String(n) === text ? n : undefined;
}
