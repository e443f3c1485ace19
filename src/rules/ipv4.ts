// IPv4 addresses as text and as numbers: the one dotted-quad rule, subnets and their bounds.

import { bad, ok, type Checked } from './checked.js';

/** A dotted quad without leading zeros (`010.0.0.1` would be octal to some tools). */
export const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

export function isIpv4(value: unknown): value is string {
  return typeof value === 'string' && IPV4.test(value);
}

export function parseIpv4(text: string, hint = 'write the address as a dotted quad, e.g. 10.0.3.50'): Checked<string> {
  if (!isIpv4(text)) return bad(`"${text}" is not an IPv4 address`, hint);
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
