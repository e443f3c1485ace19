// The network steps of one container: its address (set-network), the names its links resolve
// (write-links) and whether the host's boot starts it (set-autostart); and where its forwards point.

import { specError } from '../src/spec/spec-error.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import { addressKey, type Addressing } from './assign-addresses.js';
import { ownsConfig } from './compare-mounts.js';
import type { ObservedContainer } from './observed.js';
import { refOf } from './observed-lookup.js';
import { containerNamed, type PlanContext } from './plan-context.js';
import type { ChangeSymbol, LinkEntry, NetworkParams } from './types.js';

export function addressingOf(ctx: PlanContext, spec: ContainerSpec): Addressing | undefined {
  return ctx.addresses.get(addressKey(spec.host, spec.lxcName));
}

/** `10.0.3.5 (02:4c:..., lxcbr0)` for a plan line. */
export function describeNetwork(n: NetworkParams): string {
  const v6 = n.ipv6 === undefined ? '' : ` and ${n.ipv6.address}`;
  const dhcp = n.reserve ? ', reserved in its DHCP server' : '';
  return `address ${n.ipv4}${v6} on ${n.bridge} (MAC ${n.mac}${dhcp})`;
}

/** Why the container's network config must be rewritten (which needs a restart), or undefined. */
export function describeNetworkDrift(addressing: Addressing): string | undefined {
  const { wanted, current } = addressing;
  if (current === undefined) return `no fixed address yet: ${describeNetwork(wanted)}`;
  const changes: string[] = [];
  if (current.bridge !== wanted.bridge) changes.push(`bridge ${current.bridge} -> ${wanted.bridge}`);
  if (current.ipv4 !== wanted.ipv4) changes.push(`address ${current.ipv4} -> ${wanted.ipv4}`);
  if (current.mac !== wanted.mac) changes.push(`MAC ${current.mac} -> ${wanted.mac}`);
  if (current.ipv6 !== wanted.ipv6?.address) changes.push(`IPv6 ${current.ipv6 ?? 'none'} -> ${wanted.ipv6?.address ?? 'none'}`);
  return changes.length === 0 ? undefined : changes.join(', ');
}

/** A running container whose config is right but which has another address now (changed by hand). */
export function describeLiveAddressDrift(addressing: Addressing, observed: ObservedContainer): string | undefined {
  if (observed.state !== 'RUNNING' || observed.ipv4.length === 0 || observed.ipv4.includes(addressing.wanted.ipv4)) return undefined;
  return `has ${observed.ipv4.join(', ')}, not its address ${addressing.wanted.ipv4}`;
}

/** The /etc/hosts entries the spec's links call for: one line per linked address, names deduplicated. */
export function linkEntries(ctx: PlanContext, spec: ContainerSpec): LinkEntry[] {
  const byIp = new Map<string, string[]>();
  for (const link of spec.links) {
    const target = containerNamed(ctx.desired, link.target);
    const addressing = target && addressingOf(ctx, target);
    if (target === undefined || addressing === undefined) {
      throw specError(`${spec.name} links to ${link.target}, whose address is not known`, link.ref, `plan ${link.target} too (\`locker plan\` without naming containers) to see why`);
    }
    const names = byIp.get(addressing.wanted.ipv4) ?? [];
    for (const name of [target.fqdn, link.alias, target.name]) if (name !== undefined && !names.includes(name)) names.push(name);
    byIp.set(addressing.wanted.ipv4, names);
  }
  return [...byIp.entries()].map(([ip, names]) => ({ ip, names })).sort((a, b) => compareText(a.names[0]!, b.names[0]!));
}

export function renderLinkEntry(e: LinkEntry): string {
  return `${e.ip} ${e.names.join(' ')}`;
}

/** Why the container's link entries must be rewritten, or undefined. */
export function describeLinkDrift(wanted: readonly LinkEntry[], observed: ObservedContainer | undefined): string | undefined {
  const have = observed?.links ?? [];
  const want = wanted.map(renderLinkEntry);
  if (observed?.links === undefined && want.length === 0) return undefined;
  const missing = want.filter((l) => !have.includes(l));
  const extra = have.filter((l) => !want.includes(l));
  if (missing.length === 0 && extra.length === 0) return undefined;
  return ['/etc/hosts links differ:', ...missing.map((l) => `+${l}`), ...extra.map((l) => `-${l}`)].join(' ');
}

// Depths computed once per desired state: shared dependencies would otherwise be walked again for each dependent.
const depths = new WeakMap<DesiredState, Map<string, number>>();

/**
 * Position in the boot's start order: one more than the deepest container it depends on. LXC starts
 * lower `lxc.start.order` values first. A cycle (the loader refuses them; the ordering of the plan names
 * it) is cut where it closes.
 */
export function autostartOrder(ctx: PlanContext, spec: ContainerSpec): number {
  let memo = depths.get(ctx.desired);
  if (memo === undefined) depths.set(ctx.desired, (memo = new Map()));
  const known = memo.get(spec.name);
  if (known !== undefined) return known;
  memo.set(spec.name, 0);
  let order = 0;
  for (const dep of spec.dependsOn) {
    const target = containerNamed(ctx.desired, dep);
    if (target !== undefined) order = Math.max(order, autostartOrder(ctx, target) + 1);
  }
  memo.set(spec.name, order);
  return order;
}

/** set-network, write-links and set-autostart as far as they differ; `restart` says what needs a restart to apply. */
export function planNetworkSteps(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer | undefined, symbol: ChangeSymbol): { restart: string[] } {
  const ref = refOf(spec);
  const reason = symbol === '+' ? 'missing' : 'drifted';
  const restart: string[] = [];
  const addressing = addressingOf(ctx, spec);
  if (addressing !== undefined) {
    const drift = observed === undefined ? describeNetwork(addressing.wanted) : describeNetworkDrift(addressing);
    const live = observed === undefined ? undefined : describeLiveAddressDrift(addressing, observed);
    if (drift !== undefined) {
      ctx.draft.add(ref, { symbol, reason, detail: drift, specRef: spec.network.ipv4?.ref ?? spec.network.bridge.ref, params: { kind: 'set-network', ...addressing.wanted } });
      restart.push('address');
    } else if (live !== undefined) {
      restart.push(`address (${live})`);
    }
  }
  const entries = linkEntries(ctx, spec);
  const links = describeLinkDrift(entries, observed);
  if (links !== undefined) {
    const detail = observed === undefined ? `links: ${entries.map(renderLinkEntry).join(', ')}` : links;
    ctx.draft.add(ref, { symbol, reason, detail, specRef: spec.links[0]?.ref ?? spec.ref, params: { kind: 'write-links', entries } });
  }
  const order = autostartOrder(ctx, spec);
  const have = observed?.managed?.autostartOrder;
  const owned = ownsConfig(observed?.managed, ctx.desired.project, spec.name);
  const wantOrder = spec.autostart ? order : undefined;
  if ((owned ? have : undefined) !== wantOrder && !(observed === undefined && !spec.autostart)) {
    const detail = spec.autostart ? `start at host boot (order ${order})` : 'do not start at host boot';
    ctx.draft.add(ref, { symbol, reason, detail, specRef: spec.ref, params: { kind: 'set-autostart', autostart: spec.autostart, order } });
  }
  return { restart };
}

/** Where the container's forwards point: its planned addresses, when Locker manages them. */
export function forwardTargets(ctx: PlanContext, spec: ContainerSpec): { targetIp?: string; targetIp6?: string } {
  const addressing = addressingOf(ctx, spec);
  if (addressing === undefined) return {};
  // Only up and create change addresses; start and ports forward to the address the container has, and a
  // container Locker never addressed has the one DHCP gives it: no target, the agent waits for it.
  if (ctx.mode !== 'up' && ctx.mode !== 'create') {
    const { current } = addressing;
    if (current === undefined) return {};
    return current.ipv6 === undefined || !spec.ports.some((p) => p.ipv6) ? { targetIp: current.ipv4 } : { targetIp: current.ipv4, targetIp6: current.ipv6 };
  }
  const targets: { targetIp?: string; targetIp6?: string } = { targetIp: addressing.wanted.ipv4 };
  const v6 = spec.ports.filter((p) => p.ipv6);
  if (v6.length > 0) {
    if (addressing.wanted.ipv6 === undefined) {
      throw specError(
        `port ${v6[0]!.raw} is IPv6, but bridge ${addressing.wanted.bridge} of host "${spec.host}" has no IPv6 address, so ${spec.name} gets none`,
        v6[0]!.ref,
        `give the bridge an IPv6 address (e.g. ip -6 addr add fd42:1::1/64 dev ${addressing.wanted.bridge}), or forward IPv4 only`,
      );
    }
    targets.targetIp6 = addressing.wanted.ipv6.address;
  }
  return targets;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
