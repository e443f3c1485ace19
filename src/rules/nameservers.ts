// Nameservers of `dns:`: the placeholders, which addresses may reach a container's resolv.conf, and which
// of the host's own nameservers `$copy` can hand on. Pure; the spec loader, planner and agent share it.

import { bad, ok, type Checked } from './checked.js';
import { isIpv4 } from './ipv4.js';
import { formatIpv6, ipv6Groups } from './ipv6.js';

/** `$bridge`: the address of the container's bridge on its host; `$copy`: the host's own nameservers. */
export const DNS_PLACEHOLDERS = ['$bridge', '$copy'] as const;
export type DnsPlaceholder = (typeof DNS_PLACEHOLDERS)[number];

export const NAMESERVER_RULE = 'an IPv4 or IPv6 address (8.8.8.8, 2001:4860:4860::8888), "$bridge" or "$copy"';

/** resolv(5) reads at most this many nameservers; more are refused rather than silently ignored. */
export const MAX_NAMESERVERS = 3;

/** The canonical spelling of a nameserver address, or undefined when `text` is not one. */
export function canonicalNameserver(text: string): string | undefined {
  if (isIpv4(text)) return text;
  const groups = ipv6Groups(text);
  return groups === undefined ? undefined : formatIpv6(groups);
}

/** One entry of `dns:` as written: an address (canonical) or a placeholder. */
export function parseDnsEntry(text: string): Checked<{ address: string } | { placeholder: DnsPlaceholder }> {
  if ((DNS_PLACEHOLDERS as readonly string[]).includes(text)) return ok({ placeholder: text as DnsPlaceholder });
  if (text.startsWith('$')) return bad(`unknown dns placeholder "${text}"`, `the placeholders are ${DNS_PLACEHOLDERS.join(' and ')}`);
  const address = canonicalNameserver(text);
  if (address === undefined) return bad(`"${text}" is not a nameserver address`, `write ${NAMESERVER_RULE}`);
  return ok({ address });
}

/**
 * A loopback resolver (127.0.0.53 of systemd-resolved, 127.0.0.1 of a local dnsmasq, ::1) answers on the
 * host's loopback, which a container does not share: `$copy` never hands one on.
 */
export function isLoopbackNameserver(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

/** The `nameserver` addresses of a resolv.conf, in order, canonical; anything else is skipped. */
export function parseResolvNameservers(text: string): string[] {
  const found: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)\s*$/.exec(line);
    const address = m ? canonicalNameserver(m[1]!) : undefined;
    if (address !== undefined && !found.includes(address)) found.push(address);
  }
  return found;
}

/** Why a job's nameserver list cannot reach a resolv.conf, or undefined. */
export function describeBadNameservers(list: readonly unknown[]): string | undefined {
  if (list.length > MAX_NAMESERVERS) return `${list.length} nameservers; resolv.conf takes at most ${MAX_NAMESERVERS}`;
  for (const [i, n] of list.entries()) {
    if (typeof n !== 'string' || canonicalNameserver(n) !== n) return `nameservers[${i}]: ${JSON.stringify(n)} is not an IP address in canonical form`;
    if (list.indexOf(n) !== i) return `nameservers[${i}]: ${n} is listed twice`;
  }
  return undefined;
}
