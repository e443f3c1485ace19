// IPv4 addresses as text and as numbers: parsing, subnets, and the MAC-derived IPv6 interface id.
// Pure arithmetic shared by the spec loader, the planner's address assignment and the agent's checks.

import { bad, ok, type Checked } from './spec-error.js';

/** A dotted quad without leading zeros (`010.0.0.1` would be octal to some tools). */
export const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

export function parseIpv4(text: string): Checked<string> {
  if (!IPV4.test(text)) return bad(`"${text}" is not an IPv4 address`, 'write the address as a dotted quad, e.g. 10.0.3.50');
  return ok(text);
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** A subnet as the bridge's address and prefix length (`10.0.3.1/24`). */
export interface Ipv4Subnet {
  address: string;
  prefix: number;
}

/** First and last address of the subnet (network and broadcast), as numbers. */
export function subnetBounds(subnet: Ipv4Subnet): { network: number; broadcast: number } {
  const size = 2 ** (32 - subnet.prefix);
  const network = Math.floor(ipv4ToInt(subnet.address) / size) * size;
  return { network, broadcast: network + size - 1 };
}

/** Why `address` cannot be a container's address in `subnet`, or undefined when it can. */
export function describeOutsideSubnet(address: string, subnet: Ipv4Subnet): string | undefined {
  const { network, broadcast } = subnetBounds(subnet);
  const n = ipv4ToInt(address);
  const cidr = `${intToIpv4(network)}/${subnet.prefix}`;
  if (n < network || n > broadcast) return `${address} is outside ${cidr}`;
  if (subnet.prefix <= 30 && (n === network || n === broadcast)) {
    return `${address} is the ${n === network ? 'network' : 'broadcast'} address of ${cidr}`;
  }
  if (address === subnet.address) return `${address} is the bridge's own address`;
  return undefined;
}

export function isMac(text: string): boolean {
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(text);
}

/**
 * The modified EUI-64 interface id of a MAC (RFC 4291), the one SLAAC would form: a container whose
 * own stack also configures itself from router advertisements ends up with the same address.
 */
export function eui64InterfaceId(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const bytes = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups: string[] = [];
  for (let i = 0; i < 8; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return groups.join(':');
}
