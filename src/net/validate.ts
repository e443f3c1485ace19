// Checks on what setForwards/removeForwards are given, before any command runs.
// Inputs were validated upstream; these guard the rule text itself (a bad name must never reach iptables).

import type { ForwardParams } from '../../plans/types.js';
import { LockerError } from '../errors.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;
/** xt_comment keeps at most 255 characters; a longer tag would be cut and never recognised again. */
const MAX_COMMENT = 255;

function refuse(message: string, hint?: string): never {
  throw new LockerError('HOST_PRECONDITION', message, { hint });
}

export function assertName(kind: 'host' | 'project' | 'container', value: string): void {
  if (!NAME.test(value)) refuse(`invalid ${kind} name for a port rule: ${JSON.stringify(value)}`);
}

export function assertIpv4(what: string, value: string): void {
  if (!IPV4.test(value)) {
    refuse(`${what} is not an IPv4 address: ${JSON.stringify(value)}`, 'port forwarding uses iptables (IPv4 only)');
  }
}

function assertPort(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) refuse(`${what} is not a port (1..65535): ${value}`);
}

/** Throws HOST_PRECONDITION for anything that could not be written as an exact, recognisable rule. */
export function assertForwardInput(a: { project: string; container: string; targetIp: string; ports: ForwardParams[] }): void {
  assertName('project', a.project);
  assertName('container', a.container);
  assertIpv4('target address', a.targetIp);
  const seen = new Set<string>();
  for (const p of a.ports) {
    if (p.protocol !== 'tcp' && p.protocol !== 'udp') refuse(`unknown protocol: ${JSON.stringify(p.protocol)}`);
    assertPort('host port', p.hostPort);
    assertPort('container port', p.containerPort);
    if (p.hostIp !== undefined) assertIpv4('host address', p.hostIp);
    const id = `${p.protocol}:${p.hostIp ?? '*'}:${p.hostPort}`;
    if (seen.has(id)) refuse(`host port ${p.hostPort}/${p.protocol} is listed twice for ${a.container}`);
    seen.add(id);
  }
  // Longest possible tag: both names plus `locker:` + `udp:255.255.255.255:65535:65535` and separators.
  if (`locker:${a.project}:${a.container}:udp:255.255.255.255:65535:65535`.length > MAX_COMMENT) {
    refuse(`project and container names are too long for a rule comment (${MAX_COMMENT} characters)`);
  }
}
