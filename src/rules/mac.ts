// MAC addresses: the lower-case form Locker writes, and the IPv6 interface id SLAAC derives from one.

export function isMac(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(value);
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
