// Observed hosts for planner tests of network identity: held addresses in the words the agent uses,
// containers Locker addressed (or addressed before addresses existed), and readers of a plan's steps.

import { expect } from 'vitest';
import { planChanges, type ActionParams, type HeldAddress, type ObservedContainer, type ObservedHost, type Plan, type PlanMode } from '../../plans/index.js';
import { eui64InterfaceId, formatIpv6, ipv6Groups } from '../../src/rules/index.js';
import type { ContainerSpec, DesiredState } from '../../src/spec/types.js';
import { observedOf } from './plan-fixtures.js';

export const LXCPATH = '/var/lib/lxc';

// What agents report as held, in the words observe-host uses.
export function lease(ip: string, mac: string): HeldAddress {
  return { ip, kind: 'lease', holder: `a DHCP lease of ${mac}`, mac };
}
export function claim(ip: string, lxcName: string, mac: string, lxcpath = LXCPATH): HeldAddress {
  return { ip, kind: 'claim', holder: `container ${lxcName} (lxcpath ${lxcpath})`, lxcpath, container: lxcName, mac, bridge: 'lxcbr0' };
}
export function config(ip: string, lxcName: string, mac?: string): HeldAddress {
  return { ip, kind: 'config', holder: `container ${lxcName} (lxcpath ${LXCPATH})`, lxcpath: LXCPATH, container: lxcName, ...(mac === undefined ? {} : { mac }) };
}
export function live(ip: string, lxcName: string, mac?: string): HeldAddress {
  return { ip, kind: 'live', holder: `container ${lxcName} (lxcpath ${LXCPATH}), running`, lxcpath: LXCPATH, container: lxcName, ...(mac === undefined ? {} : { mac }) };
}

/** A host as its agent reports it: held addresses sorted by ip, then kind. */
export function withHost(base: ObservedHost, over: Partial<ObservedHost>): ObservedHost {
  const h = { ...base, ...over };
  h.addresses = [...h.addresses].sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
  return h;
}

/** A container Locker addressed at `ipv4` (running with it, unless stopped). */
export function recorded(spec: ContainerSpec, ipv4: string, state: 'RUNNING' | 'STOPPED' = 'RUNNING'): ObservedContainer {
  const o = observedOf(spec, state);
  o.managed = { ...o.managed!, network: { ...o.managed!.network!, ipv4 } };
  o.ipv4 = state === 'RUNNING' ? [ipv4] : [];
  return o;
}

/** A container configured by a Locker from before addresses: its block has no network record. */
export function unaddressed(spec: ContainerSpec, state: 'RUNNING' | 'STOPPED', ipv4: string[] = []): ObservedContainer {
  const o = observedOf(spec, state);
  const { network: _network, ...managed } = o.managed!;
  const result: ObservedContainer = { ...o, managed, ipv4 };
  delete result.ipv6;
  return result;
}

export function plan(spec: DesiredState, hosts: Map<string, ObservedHost>, mode: PlanMode = 'up', targets?: string[]): Plan {
  return planChanges({ desired: spec, observed: hosts, mode, targets });
}

export function paramsOf<K extends ActionParams['kind']>(p: Plan, id: string, kind: K): Extract<ActionParams, { kind: K }> | undefined {
  const action = p.actions.find((a) => a.id === id);
  if (action === undefined) return undefined;
  expect(action.params.kind).toBe(kind);
  return action.params as Extract<ActionParams, { kind: K }>;
}

/** `host/container` -> planned IPv4 of every set-network step. */
export function plannedAddresses(p: Plan): Record<string, string> {
  return Object.fromEntries(
    p.actions.flatMap((a) => (a.params.kind === 'set-network' ? [[`${a.host}/${a.container}`, a.params.ipv4] as const] : [])),
  );
}

export function indexOf(p: Plan, id: string): number {
  const i = p.actions.findIndex((a) => a.id === id);
  expect(i, `${id} is in the plan`).toBeGreaterThanOrEqual(0);
  return i;
}

/** The IPv6 address a MAC gets on the fixture bridge (fd42::/64): SLAAC's modified EUI-64. */
export function eui64On(prefix: string, mac: string): string {
  return formatIpv6(ipv6Groups(`${prefix}${eui64InterfaceId(mac)}`)!);
}
