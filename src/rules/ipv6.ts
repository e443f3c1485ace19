// IPv6 addresses as text: parsing into eight groups, the one canonical spelling (RFC 5952), and which
// addresses a port forward can use.

import { bad, ok, type Checked } from './checked.js';

const GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * The eight 16-bit groups of an address in hex-group notation, or undefined. A zone (`%eth0`) or a
 * dotted IPv4 tail (`::ffff:1.2.3.4`) is refused: neither can be a forward's address.
 */
export function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (s: string) => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (![...head, ...tail].every((g) => GROUP.test(g))) return undefined;
  const given = head.length + tail.length;
  // `::` stands for at least one group of zeros; without it all eight must be written.
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  const zeros: string[] = Array<string>(8 - given).fill('0');
  return [...head, ...zeros, ...tail].map((g) => parseInt(g, 16));
}

/** Lower-case, no leading zeros, the longest run of two or more zero groups (the first on a tie) as `::`. */
export function formatIpv6(groups: readonly number[]): string {
  let best = { at: -1, length: 0 };
  for (let i = 0; i < groups.length; ) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.length < 2) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}

/** The canonical spelling of an IPv6 address: the one `ip6tables-save` prints. */
export function parseIpv6(text: string): Checked<string> {
  const groups = ipv6Groups(text);
  if (groups === undefined) {
    return bad(`"${text}" is not an IPv6 address`, 'write the address as hex groups, e.g. 2001:db8::1 or fd42::5');
  }
  return ok(formatIpv6(groups));
}

/**
 * A canonical address a forward can use as its host or target address, or why it cannot.
 * `::/96` and `::ffff:0:0/96` embed an IPv4 address (ip6tables-save prints them with a dotted quad, so
 * a rule would never compare equal); `::1` cannot be NATed to another host: the kernel drops the
 * replies to ::1 that arrive on a real interface, and IPv6 has no `route_localnet` to allow them.
 */
export function checkForwardableIpv6(address: string): Checked<string> {
  if (address === '::1') {
    return bad(
      'the IPv6 loopback address ::1 cannot be forwarded',
      'Linux drops NATed replies to ::1 (IPv6 has no route_localnet); use 127.0.0.1:H:C for the host alone, or one of its IPv6 addresses in brackets',
    );
  }
  const groups = ipv6Groups(address);
  if (groups !== undefined && address !== '::' && groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0 || groups[5] === 0xffff)) {
    return bad(`${address} is an IPv4-compatible or IPv4-mapped IPv6 address`, 'write the IPv4 address itself, without brackets');
  }
  return ok(address);
}

/** Exactly the canonical spelling: a second spelling of one address would never compare equal. */
export function isCanonicalIpv6(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const parsed = parseIpv6(value);
  return parsed.ok && parsed.value === value;
}
