// Two forwards of one host port would fight over the same packets: refuse them in the spec.
import { specError } from './spec-error.js';
import type { ContainerSpec, PortSpec } from './types.js';

/** Containers in document order, so the error lands on the second use of a port. */
export function assertNoPortClash(containers: readonly ContainerSpec[]): void {
  const seen: { host: string; port: PortSpec }[] = [];
  for (const c of containers) {
    for (const port of c.ports) {
      const first = seen.find((s) => s.host === c.host && clash(s.port, port));
      if (first !== undefined) {
        throw specError(
          `host port ${port.hostPort}/${port.protocol} is already forwarded by ${first.port.ref.path} ("${first.port.raw}")`,
          port.ref,
          'use another host port, or bind each forward to a different host address (IP:H:C)',
        );
      }
      seen.push({ host: c.host, port });
    }
  }
}

function clash(a: PortSpec, b: PortSpec): boolean {
  if (a.protocol !== b.protocol || a.hostPort !== b.hostPort) return false;
  return a.hostIp === undefined || b.hostIp === undefined || a.hostIp === b.hostIp;
}
