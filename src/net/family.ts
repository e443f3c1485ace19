// The two address families Locker forwards: IPv4 through iptables, IPv6 through ip6tables.
// Both use the same chain names and the same tags; only the commands, masks and a few rules differ.

export type Family = 'ipv4' | 'ipv6';

/** IPv4 first: it is what every host has, and the order in which changes are written. */
export const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

export type PerFamily<T> = Record<Family, T>;

export function familyOf(p: { ipv6?: true }): Family {
  return p.ipv6 ? 'ipv6' : 'ipv4';
}
