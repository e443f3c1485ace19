// `host:port` and `address/prefix` as text: where the host part ends, and which family an address is.

import { isIpv4 } from './ipv4.js';
import { ipv6Groups } from './ipv6.js';
import { isPortNumber } from './ports.js';

export interface HostPort {
  /** Without brackets: `::1`, not `[::1]`. */
  host: string;
  port?: number;
}

/**
 * `10.0.3.5:80`, `name:4222`, `[fd42::5]:80`, or the host alone (`10.0.3.5`, `[fd42::5]`). Undefined for
 * a port that is not 1-65535, unbalanced brackets, or an IPv6 address without brackets (its colons would
 * be read as a port's).
 */
export function splitHostPort(text: string): HostPort | undefined {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    host = text.slice(1, close);
    rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return undefined;
  } else {
    const colons = text.split(':').length - 1;
    if (colons > 1) return undefined;
    const at = text.indexOf(':');
    host = at < 0 ? text : text.slice(0, at);
    rest = at < 0 ? '' : text.slice(at);
  }
  if (rest === '') return { host };
  const port = /^[0-9]{1,5}$/.test(rest.slice(1)) ? Number(rest.slice(1)) : NaN;
  return isPortNumber(port) ? { host, port } : undefined;
}

/** `host:port`, with brackets around an IPv6 host. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export interface Cidr {
  /** As written. */
  address: string;
  prefix: number;
  ipv6: boolean;
}

/** `10.0.3.5/24` or `fd42::5/64`: an address of either family and a prefix that fits it. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return undefined;
  const address = m[1]!;
  const prefix = Number(m[2]);
  if (isIpv4(address)) return prefix <= 32 ? { address, prefix, ipv6: false } : undefined;
  if (ipv6Groups(address) !== undefined) return prefix <= 128 ? { address, prefix, ipv6: true } : undefined;
  return undefined;
}
