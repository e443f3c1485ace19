// How a container's forwarded ports differ from the spec's, one line per port.
// Observed addresses are only trusted when the agent saw some: an empty address list proves nothing.

import { labelPort, type PortForward } from '../src/rules/ports.js';
import type { PortSpec } from '../src/spec/types.js';
import type { ObservedForward } from './observed.js';
import type { ForwardParams } from './types.js';

/** The container's addresses per family, as the agent observed them. */
export interface ContainerAddresses {
  ipv4: string[];
  ipv6: string[];
}

export function toForwardParams(ports: PortSpec[]): ForwardParams[] {
  return ports.map((p) => {
    const out: ForwardParams = { protocol: p.protocol, hostPort: p.hostPort, containerPort: p.containerPort };
    if (p.hostIp !== undefined) out.hostIp = p.hostIp;
    if (p.ipv6) out.ipv6 = true;
    return out;
  });
}

function portKey(p: PortForward): string {
  return `${p.protocol}\0${p.hostIp ?? ''}\0${p.hostPort}\0${p.containerPort}\0${p.ipv6 ? 'ipv6' : 'ipv4'}`;
}

/** One line per difference; empty when the forwards match the spec. */
export function describeForwardDrift(ports: PortSpec[], forwards: ObservedForward[], addresses: ContainerAddresses): string[] {
  const observed = new Map(forwards.map((f) => [portKey(f), f]));
  const wanted = new Set(ports.map(portKey));
  const lines: string[] = [];
  for (const p of ports) {
    const f = observed.get(portKey(p));
    const own = p.ipv6 ? addresses.ipv6 : addresses.ipv4;
    if (f === undefined) lines.push(`port ${labelPort(p)} is not forwarded`);
    else if (!f.complete) lines.push(`port ${labelPort(p)} is forwarded incompletely`);
    else if (own.length > 0 && !own.includes(f.targetIp)) {
      lines.push(`port ${labelPort(p)} points at ${f.targetIp}, not at the container`);
    }
  }
  for (const f of forwards) {
    if (!wanted.has(portKey(f))) lines.push(`port ${labelPort(f)} is forwarded but not in the spec`);
  }
  return lines;
}
