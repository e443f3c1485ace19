// The comment tags that mark Locker's rules: how they are written and read back.
// A tag is the only thing that says a rule is ours, so parsing is strict.

import type { ObservedForward } from '../../plans/observed.js';

/** Comment of the jump rules from the built-in chains; shared by every project. */
export const JUMP_TAG = 'locker:jump';

const TAG_ROOT = 'locker';
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PORT = /^[1-9][0-9]{0,4}$/;

/**
 * What a per-port tag says: `locker:PROJECT:CONTAINER:PROTO:HOSTIP_OR_*:HOSTPORT:CPORT:HOST`.
 * HOST is the agent's host name: several agents may share one kernel's netfilter (hosts simulated
 * with lxcpaths on one machine), and each must see and change only its own forwards.
 */
export type ForwardTag = Omit<ObservedForward, 'targetIp' | 'complete'> & { host: string };

/** The comment prefix of a project's rules (or one container's); the trailing colon keeps `demo` from matching `demo2`. */
export function ruleTag(project: string, container?: string): string {
  return container === undefined ? `${TAG_ROOT}:${project}:` : `${TAG_ROOT}:${project}:${container}:`;
}

export function formatForwardTag(t: ForwardTag): string {
  return `${ruleTag(t.project, t.container)}${t.protocol}:${t.hostIp ?? '*'}:${t.hostPort}:${t.containerPort}:${t.host}`;
}

/** The tag's fields, or undefined for any comment that is not a well-formed per-port tag. */
export function parseForwardTag(comment: string): ForwardTag | undefined {
  const parts = comment.split(':');
  if (parts.length !== 8) return undefined;
  const [root, project, container, protocol, hostIp, hostPort, containerPort, host] = parts as [
    string, string, string, string, string, string, string, string,
  ];
  if (root !== TAG_ROOT || !NAME.test(project) || !NAME.test(container) || !NAME.test(host)) return undefined;
  if (protocol !== 'tcp' && protocol !== 'udp') return undefined;
  if (!PORT.test(hostPort) || !PORT.test(containerPort)) return undefined;
  const hp = Number(hostPort);
  const cp = Number(containerPort);
  if (hp > 65535 || cp > 65535) return undefined;
  if (hostIp !== '*' && !/^[0-9.]+$/.test(hostIp)) return undefined;
  const tag: ForwardTag = { project, container, protocol, hostPort: hp, containerPort: cp, host };
  if (hostIp !== '*') tag.hostIp = hostIp;
  return tag;
}
