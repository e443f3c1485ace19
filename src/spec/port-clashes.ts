// Two forwards of one host port would fight over the same packets: refuse them in the spec.
import { portsOverlap } from '../rules/ports.js';
import { specError } from './spec-error.js';
import type { ContainerSpec, PortSpec } from './types.js';

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
