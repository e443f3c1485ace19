// Two forwards of one host port would fight over the same packets: refuse them in the spec.
import { specError } from './spec-error.js';
import type { ContainerSpec, PortSpec } from './types.js';

/** What decides whether two forwards of one host meet: the planner and src/net ask the same question. */
export type HostPortOf = Pick<PortSpec, 'protocol' | 'hostPort' | 'hostIp' | 'ipv6'>;

/**
 * One protocol, one host port, one family, and addresses that overlap (no address means all of them).
 * IPv4 and IPv6 forwards are rules in separate tables (iptables, ip6tables): they never meet.
 */
export function portsOverlap(a: HostPortOf, b: HostPortOf): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort || (a.ipv6 ?? false) !== (b.ipv6 ?? false)) return false;
  return a.hostIp === undefined || b.hostIp === undefined || a.hostIp === b.hostIp;
}

/** Containers in document order, so the error lands on the second use of a port. */
export function assertNoPortClash(containers: readonly ContainerSpec[]): void {
  // Forwards of one host and host port: a handful at most, so the spec stays linear.
  const seen = new Map<string, PortSpec[]>();
  for (const c of containers) {
    for (const port of c.ports) {
      const key = `${c.host}\0${port.hostPort}`;
      const same = seen.get(key) ?? [];
      const first = same.find((s) => portsOverlap(s, port));
      if (first !== undefined) {
        throw specError(
          `host port ${port.hostPort}/${port.protocol} is already forwarded by ${first.ref.path} ("${first.raw}")`,
          port.ref,
          'use another host port, or bind each forward to a different host address (IP:H:C)',
        );
      }
      same.push(port);
      seen.set(key, same);
    }
  }
}
