// From saved rules to the forwards the planner compares: one entry per tagged port, complete or not.
// Pure; untagged rules and rules of other tools never show up here.

import type { ObservedForward } from '../../plans/observed.js';
import { splitHostPort } from '../rules/endpoints.js';
import { familyOf, FAMILIES, type Family, type PerFamily } from './family.js';
import { CHAINS, jumpRules, portRules, ruleKey } from './forward-rules.js';
import { emptySave, hostAddress, parseSave, type SavedRule, type SavedRules } from './saved-rules.js';
import { formatForwardTag, parseForwardTag, type ForwardTag } from './tag.js';

/** A forward and the agent host whose tag it carries. */
export type TaggedForward = ObservedForward & { host: string };

/** Every Locker forward in `iptables-save` and `ip6tables-save` output (all tables), grouped per port. */
export function parseForwards(iptablesSave: string, ip6tablesSave = ''): TaggedForward[] {
  return forwardsOf({ ipv4: parseSave(iptablesSave), ipv6: parseSave(ip6tablesSave) });
}

/** A tagged rule and the family whose tables hold it. */
interface FoundRule {
  family: Family;
  rule: SavedRule;
}

/** Rules of IPv4 and IPv6 (a family left out counts as a host without its rules). */
export function forwardsOf(saved: Partial<PerFamily<SavedRules>>): TaggedForward[] {
  const rulesOf = (family: Family) => (saved[family] ?? emptySave()).rules;
  const keys: PerFamily<Set<string>> = { ipv4: new Set(rulesOf('ipv4').map(ruleKey)), ipv6: new Set(rulesOf('ipv6').map(ruleKey)) };
  const jumpsPresent = (family: Family) => jumpRules().every((j) => keys[family].has(ruleKey(j)));
  const groups = new Map<string, { tag: ForwardTag; rules: FoundRule[] }>();
  for (const family of FAMILIES) {
    for (const rule of rulesOf(family)) {
      const tag = rule.comment === undefined ? undefined : parseForwardTag(rule.comment);
      if (tag === undefined) continue;
      // Re-format so two spellings of one tag cannot make two groups.
      const id = formatForwardTag(tag);
      const group = groups.get(id) ?? { tag, rules: [] };
      group.rules.push({ family, rule });
      groups.set(id, group);
    }
  }
  const forwards = [...groups.values()].map(({ tag, rules }) => {
    // Rules count only in the tables of the tag's family: an IPv6 tag in iptables is never a working forward.
    const family = familyOf(tag);
    const own = rules.filter((r) => r.family === family).map((r) => r.rule);
    const targetIp = targetOf(own);
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
      complete: jumpsPresent(family) && targetIp !== '' && wanted.every((w) => keys[family].has(ruleKey(w))),
    };
    if (tag.hostIp !== undefined) forward.hostIp = tag.hostIp;
    if (tag.ipv6) forward.ipv6 = true;
    return forward;
  });
  return forwards.sort(compareForwards);
}

/** Where the port points: the DNAT target first (it is what clients reach), then the ACCEPT's address. */
function targetOf(rules: SavedRule[]): string {
  const byChain = (chain: string) => rules.filter((r) => r.chain === chain);
  for (const r of [...byChain(CHAINS.prerouting.chain), ...byChain(CHAINS.output.chain)]) {
    const ip = r.toDestination === undefined ? undefined : addressOfDestination(r.toDestination);
    if (ip) return ip;
  }
  for (const r of [...byChain(CHAINS.forward.chain), ...byChain(CHAINS.postrouting.chain)]) {
    if (r.destination !== undefined) return hostAddress(r.destination);
  }
  return '';
}

/** `10.0.3.5:80` -> `10.0.3.5`; `[fd42::5]:80` -> `fd42::5`. */
function addressOfDestination(to: string): string | undefined {
  return splitHostPort(to)?.host;
}

/** The order ObservedHost promises: project, container, protocol, hostPort (then hostIp, containerPort, IPv4 before IPv6). */
export function compareForwards(a: ObservedForward, b: ObservedForward): number {
  return (
    cmp((a as Partial<TaggedForward>).host ?? '', (b as Partial<TaggedForward>).host ?? '') ||
    cmp(a.project, b.project) ||
    cmp(a.container, b.container) ||
    cmp(a.protocol, b.protocol) ||
    a.hostPort - b.hostPort ||
    cmp(a.hostIp ?? '', b.hostIp ?? '') ||
    a.containerPort - b.containerPort ||
    Number(a.ipv6 ?? false) - Number(b.ipv6 ?? false)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
