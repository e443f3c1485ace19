// Checks on what setForwards/removeForwards are given, before any command runs.
// Inputs were validated upstream; these guard the rule text itself (a bad name must never reach iptables).

import type { ForwardParams } from '../../plans/types.js';
import { LockerError } from '../errors.js';
import { isIpv4 } from '../rules/ipv4.js';
import { checkForwardableIpv6, parseIpv6 } from '../rules/ipv6.js';
import { isContainerName, isHostName, isProjectName } from '../rules/names.js';
import { isPortNumber, isProtocol, labelPort } from '../rules/ports.js';

const NAME_RULES = { host: isHostName, project: isProjectName, container: isContainerName };
/** xt_comment keeps at most 255 characters; a longer tag would be cut and never recognised again. */
const MAX_COMMENT = 255;

function refuse(message: string, hint?: string): never {
  throw new LockerError('HOST_PRECONDITION', message, { hint });
}

export function assertName(kind: 'host' | 'project' | 'container', value: string): void {
  if (!NAME_RULES[kind](value)) refuse(`invalid ${kind} name for a port rule: ${JSON.stringify(value)}`);
}

export function assertIpv4(what: string, value: string): void {
  if (!isIpv4(value)) {
    refuse(`${what} is not an IPv4 address: ${JSON.stringify(value)}`, 'IPv4 forwards use iptables; an IPv6 forward has ipv6: true');
  }
}

/** The canonical spelling (the one ip6tables-save prints) of an IPv6 address a forward can use. */
export function canonicalIpv6(what: string, value: string): string {
  const parsed = parseIpv6(value);
  const usable = parsed.ok ? checkForwardableIpv6(parsed.value) : parsed;
  if (!usable.ok) refuse(`${what}: ${usable.message}`, usable.hint);
  return usable.value;
}

function assertPort(what: string, value: number): void {
  if (!isPortNumber(value)) refuse(`${what} is not a port (1..65535): ${value}`);
}

/** A host address exactly as the tag and the rules will carry it: another spelling would never compare equal. */
function assertHostIp(p: ForwardParams): void {
  if (p.hostIp === undefined) return;
  if (!p.ipv6) return assertIpv4('host address', p.hostIp);
  const canonical = canonicalIpv6('host address', p.hostIp);
  if (canonical === '::') refuse('host address :: means every IPv6 address: leave the host address out');
  if (canonical !== p.hostIp) refuse(`host address ${JSON.stringify(p.hostIp)} is not in canonical form (${canonical})`);
}

/** Throws HOST_PRECONDITION for anything that could not be written as an exact, recognisable rule. */
export function assertForwardInput(a: {
  project: string;
  container: string;
  targetIp: string;
  targetIp6?: string;
  ports: ForwardParams[];
}): void {
  assertName('project', a.project);
  assertName('container', a.container);
  assertIpv4('target address', a.targetIp);
  if (a.targetIp6 !== undefined) canonicalIpv6('IPv6 target address', a.targetIp6);
  const seen = new Set<string>();
  for (const p of a.ports) {
    if (!isProtocol(p.protocol)) refuse(`unknown protocol: ${JSON.stringify(p.protocol)}`);
    if (p.ipv6 !== undefined && p.ipv6 !== true) refuse(`ipv6 is true or absent, not ${JSON.stringify(p.ipv6)}`);
    assertPort('host port', p.hostPort);
    assertPort('container port', p.containerPort);
    assertHostIp(p);
    if (p.ipv6 && a.targetIp6 === undefined) {
      refuse(`port ${labelPort(p)} is an IPv6 forward, but ${a.container} has no IPv6 address to forward it to`, 'give the container an IPv6 address, or forward the port over IPv4 (no brackets in the spec)');
    }
    const id = `${p.protocol}:${p.ipv6 ? 'ipv6' : 'ipv4'}:${p.hostIp ?? '*'}:${p.hostPort}`;
    if (seen.has(id)) refuse(`host port ${p.hostPort}/${p.protocol}${p.ipv6 ? ' (IPv6)' : ''} is listed twice for ${a.container}`);
    seen.add(id);
  }
  // Longest possible tag of each family in use: both names plus `locker:`, protocol, address and ports.
  const longest = a.ports.some((p) => p.ipv6) ? `udp6:${'ffff-'.repeat(7)}ffff` : 'udp:255.255.255.255';
  if (`locker:${a.project}:${a.container}:${longest}:65535:65535`.length > MAX_COMMENT) {
    refuse(`project and container names are too long for a rule comment (${MAX_COMMENT} characters)`);
  }
}
