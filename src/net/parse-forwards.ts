// From saved rules to the forwards the planner compares: one entry per tagged port, complete or not.
// Pure; untagged rules and rules of other tools never show up here.

import type { ObservedForward } from '../../plans/observed.js';
import { CHAINS, jumpRules, portRules, ruleKey } from './forward-rules.js';
import { parseSave, type SavedRule, type SavedRules } from './saved-rules.js';
import { formatForwardTag, parseForwardTag, type ForwardTag } from './tag.js';

/** A forward and the agent host whose tag it carries. */
export type TaggedForward = ObservedForward & { host: string };

/** Every Locker forward in `iptables-save` output (all tables), grouped per port. */
export function parseForwards(iptablesSave: string): TaggedForward[] {
  return forwardsOf(parseSave(iptablesSave));
}

export function forwardsOf(saved: SavedRules): TaggedForward[] {
  const keys = new Set(saved.rules.map(ruleKey));
  const jumpsPresent = jumpRules().every((j) => keys.has(ruleKey(j)));
  const groups = new Map<string, { tag: ForwardTag; rules: SavedRule[] }>();
  for (const rule of saved.rules) {
    const tag = rule.comment === undefined ? undefined : parseForwardTag(rule.comment);
    if (tag === undefined) continue;
    // Re-format so two spellings of one tag cannot make two groups.
    const id = formatForwardTag(tag);
    const group = groups.get(id) ?? { tag, rules: [] };
    group.rules.push(rule);
    groups.set(id, group);
  }
  const forwards = [...groups.values()].map(({ tag, rules }) => {
    const targetIp = targetOf(rules);
    const { project, container, host, ...port } = tag;
    const wanted = portRules({ host, project, container, targetIp }, port);
    const forward: TaggedForward = {
      host,
      project,
      container,
      protocol: tag.protocol,
      hostPort: tag.hostPort,
      containerPort: tag.containerPort,
      targetIp,
      complete: jumpsPresent && targetIp !== '' && wanted.every((w) => keys.has(ruleKey(w))),
    };
    if (tag.hostIp !== undefined) forward.hostIp = tag.hostIp;
    return forward;
  });
  return forwards.sort(compareForwards);
}

/** Where the port points: the DNAT target first (it is what clients reach), then the ACCEPT's address. */
function targetOf(rules: SavedRule[]): string {
  const byChain = (chain: string) => rules.filter((r) => r.chain === chain);
  for (const r of [...byChain(CHAINS.prerouting.chain), ...byChain(CHAINS.output.chain)]) {
    const ip = r.toDestination?.split(':')[0];
    if (ip) return ip;
  }
  for (const r of [...byChain(CHAINS.forward.chain), ...byChain(CHAINS.postrouting.chain)]) {
    if (r.destination !== undefined) return r.destination.replace(/\/32$/, '');
  }
  return '';
}

/** The order ObservedHost promises: project, container, protocol, hostPort (then hostIp, containerPort for ties). */
export function compareForwards(a: ObservedForward, b: ObservedForward): number {
  return (
    cmp((a as Partial<TaggedForward>).host ?? '', (b as Partial<TaggedForward>).host ?? '') ||
    cmp(a.project, b.project) ||
    cmp(a.container, b.container) ||
    cmp(a.protocol, b.protocol) ||
    a.hostPort - b.hostPort ||
    cmp(a.hostIp ?? '', b.hostIp ?? '') ||
    a.containerPort - b.containerPort
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
