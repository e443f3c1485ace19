// The rules one forwarded port needs, and the jumps that lead to Locker's chains (the same in both families).
// Pure: rules are data here; the same description renders restore lines and compares with saved ones.

import type { ForwardParams } from '../../plans/types.js';
import { formatForwardTag, JUMP_TAG } from './tag.js';
import { normalizeAddress, type RuleFields, type Table } from './saved-rules.js';

/** A rule Locker wants, in the fields `iptables-save` would show for it. */
export interface WantedRule extends RuleFields {
  table: Table;
  chain: string;
}

export const CHAINS = {
  prerouting: { table: 'nat', chain: 'LOCKER_PREROUTING', from: 'PREROUTING' },
  output: { table: 'nat', chain: 'LOCKER_OUTPUT', from: 'OUTPUT' },
  postrouting: { table: 'nat', chain: 'LOCKER_POSTROUTING', from: 'POSTROUTING' },
  forward: { table: 'filter', chain: 'LOCKER_FORWARD', from: 'FORWARD' },
} as const;

/** IPv4 loopback clients of the host itself; with route_localnet, a MASQUERADE brings their replies back. */
const LOOPBACK = '127.0.0.0/8';

/** One jump per Locker chain. DNAT jumps only see traffic addressed to the host itself, not traffic it routes. */
export function jumpRules(): WantedRule[] {
  return Object.values(CHAINS).map(({ table, chain, from }) => {
    const local = chain === 'LOCKER_PREROUTING' || chain === 'LOCKER_OUTPUT';
    return {
      table,
      chain: from,
      dstType: local ? 'LOCAL' : undefined,
      modules: local ? ['addrtype', 'comment'] : ['comment'],
      comment: JUMP_TAG,
      jump: chain,
      other: [],
    };
  });
}

export interface ForwardOf {
  host: string;
  project: string;
  container: string;
  /** The container's address in the port's family. */
  targetIp: string;
}

/**
 * The rules of one port: DNAT for other machines, DNAT for the host, MASQUERADE for loopback replies, ACCEPT.
 * An IPv6 port has no MASQUERADE: Linux drops NATed replies to ::1 whatever rule is there (IPv6 has no
 * route_localnet), so a ::1 client cannot be forwarded at all; the host's other addresses need no MASQUERADE.
 */
export function portRules(of: ForwardOf, port: ForwardParams): WantedRule[] {
  const comment = formatForwardTag({ ...of, ...port });
  const target = normalizeAddress(of.targetIp);
  const common = { protocol: port.protocol, modules: [port.protocol, 'comment'], comment, other: [] };
  const dnat = {
    ...common,
    destination: port.hostIp === undefined ? undefined : normalizeAddress(port.hostIp),
    dport: port.hostPort,
    jump: 'DNAT',
    toDestination: port.ipv6 ? `[${of.targetIp}]:${port.containerPort}` : `${of.targetIp}:${port.containerPort}`,
  };
  const loopback: WantedRule = {
    table: CHAINS.postrouting.table,
    chain: CHAINS.postrouting.chain,
    ...common,
    source: LOOPBACK,
    destination: target,
    dport: port.containerPort,
    jump: 'MASQUERADE',
  };
  return [
    { table: CHAINS.prerouting.table, chain: CHAINS.prerouting.chain, ...dnat },
    { table: CHAINS.output.table, chain: CHAINS.output.chain, ...dnat },
    ...(port.ipv6 ? [] : [loopback]),
    {
      table: CHAINS.forward.table,
      chain: CHAINS.forward.chain,
      ...common,
      destination: target,
      dport: port.containerPort,
      jump: 'ACCEPT',
    },
  ];
}

/** Restore-format arguments in the order iptables-save prints them, so a rendered rule equals its saved line. */
export function renderArgs(r: RuleFields): string {
  const parts: string[] = [];
  if (r.source !== undefined) parts.push('-s', r.source);
  if (r.destination !== undefined) parts.push('-d', r.destination);
  if (r.protocol !== undefined) parts.push('-p', r.protocol);
  for (const m of r.modules) {
    parts.push('-m', m);
    if (m === r.protocol && r.dport !== undefined) parts.push('--dport', String(r.dport));
    if (m === 'addrtype' && r.dstType !== undefined) parts.push('--dst-type', r.dstType);
    // Tags are validated to hold no quote or backslash, so plain quoting is exact.
    if (m === 'comment' && r.comment !== undefined) parts.push('--comment', `"${r.comment}"`);
  }
  parts.push(...r.other);
  if (r.jump !== undefined) parts.push('-j', r.jump);
  if (r.toDestination !== undefined) parts.push('--to-destination', r.toDestination);
  return parts.join(' ');
}

/** Identity of a rule for comparison: table, chain and every field, independent of how it was spelled. */
export function ruleKey(r: WantedRule): string {
  const { table, chain, source, destination, protocol, dport, dstType, comment, jump, toDestination } = r;
  return JSON.stringify([table, chain, source, destination, protocol, dport, dstType, comment, jump, toDestination, r.modules, r.other]);
}
