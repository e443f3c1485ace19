// Ports and forwards: the port number and protocol rules, when two forwards of one host meet, and the
// one way a forward is named in messages. Every layer (spec, planner, agent, src/net) asks these.

import { isIpv4 } from './ipv4.js';
import { checkForwardableIpv6, isCanonicalIpv6 } from './ipv6.js';
import { bad, ok, type Checked } from './checked.js';

export const PROTOCOLS = ['tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export const PORT_MIN = 1;
export const PORT_MAX = 65535;

export function isProtocol(value: unknown): value is Protocol {
  return (PROTOCOLS as readonly unknown[]).includes(value);
}

export function isPortNumber(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= PORT_MIN && (value as number) <= PORT_MAX;
}

/** A port as a user writes it: decimal digits (leading zeros allowed), 1-65535. */
export function parsePortNumber(text: string, formsHint?: string): Checked<number> {
  if (!/^[0-9]{1,5}$/.test(text)) {
    const forms = formsHint === undefined ? '' : `; ${formsHint}`;
    return bad(`"${text}" is not a port number`, `ports are whole numbers ${PORT_MIN}-${PORT_MAX}${forms}`);
  }
  const n = Number(text);
  if (!isPortNumber(n)) return bad(`port ${n} is out of range`, `ports are whole numbers ${PORT_MIN}-${PORT_MAX}`);
  return ok(n);
}

/** One forwarded port as every layer carries it (the spec adds where it was written). */
export interface PortForward {
  protocol: Protocol;
  /** Host address to listen on; undefined means every address of the host (of its family). */
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  /** An IPv6 forward (ip6tables, to the container's IPv6 address); absent for IPv4. */
  ipv6?: true;
}

/** What decides whether two forwards of one host meet. */
export type HostPortOf = Pick<PortForward, 'protocol' | 'hostPort' | 'hostIp' | 'ipv6'>;

/**
 * One protocol, one host port, one family, and addresses that overlap (no address means all of them).
 * IPv4 and IPv6 forwards are rules in separate tables (iptables, ip6tables): they never meet.
 */
export function portsOverlap(a: HostPortOf, b: HostPortOf): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort || (a.ipv6 ?? false) !== (b.ipv6 ?? false)) return false;
  return a.hostIp === undefined || b.hostIp === undefined || a.hostIp === b.hostIp;
}

/**
 * A forward's host address exactly as the planner writes it (so the tag and rules compare equal): a dotted
 * quad, or a canonical IPv6 address a forward can use. Every address (`0.0.0.0`, `::`) is written as none.
 */
export function isForwardHostAddress(value: unknown, ipv6: boolean): value is string {
  if (!ipv6) return isIpv4(value);
  return isCanonicalIpv6(value) && value !== '::' && checkForwardableIpv6(value).ok;
}

/** `8080/tcp`, `8080:80/tcp`, `192.168.2.123:8002/tcp`, `[::1]:8080:80/tcp`, `[::]:8080/tcp` (IPv6, every address). */
export function labelPort(p: PortForward): string {
  const ip = p.ipv6 || p.hostIp?.includes(':') ? `[${p.hostIp ?? '::'}]:` : p.hostIp === undefined ? '' : `${p.hostIp}:`;
  const ports = p.hostPort === p.containerPort ? `${p.hostPort}` : `${p.hostPort}:${p.containerPort}`;
  return `${ip}${ports}/${p.protocol}`;
}
