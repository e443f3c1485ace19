// set-dns: the container's nameservers in Locker's block of its /etc/resolv.conf. `$bridge` and `$copy`
// are resolved here, against what its host reported; a running container gets them live (no restart).

import { LockerError } from '../src/errors.js';
import { MAX_NAMESERVERS } from '../src/rules/nameservers.js';
import type { ContainerSpec } from '../src/spec/types.js';
import { ownsConfig } from './compare-mounts.js';
import type { ObservedContainer, ObservedHost } from './observed.js';
import { refOf, requireHost } from './observed-lookup.js';
import type { PlanContext } from './plan-context.js';
import type { ChangeSymbol } from './types.js';

/** The addresses `dns:` stands for on the container's host, in order, each once; undefined without `dns:`. */
export function resolveNameservers(spec: ContainerSpec, host: ObservedHost): string[] | undefined {
  if (spec.dns === undefined) return undefined;
  const out: string[] = [];
  for (const entry of spec.dns) {
    for (const address of resolveEntry(spec, entry.value, entry.ref, host)) if (!out.includes(address)) out.push(address);
    if (out.length > MAX_NAMESERVERS) {
      throw new LockerError('SPEC_INVALID', `dns of ${spec.name} gives ${out.length} nameservers on host "${host.host}" (${out.join(', ')}): resolv.conf takes at most ${MAX_NAMESERVERS}`, {
        hint: 'list fewer entries: `$copy` stands for every nameserver of the host',
        location: entry.ref,
      });
    }
  }
  return out;
}

function resolveEntry(spec: ContainerSpec, value: string, location: ContainerSpec['ref'], host: ObservedHost): string[] {
  if (value === '$bridge') {
    const bridge = spec.network.bridge.name;
    const address = host.bridges.find((b) => b.name === bridge)?.ipv4?.address;
    if (address === undefined) {
      throw new LockerError('HOST_PRECONDITION', `$bridge in the dns of ${spec.name}: bridge ${bridge} of host "${host.host}" has no IPv4 address`, {
        hint: 'give the bridge an address (lxc-net does), or write the nameserver\'s address instead of $bridge',
        location,
      });
    }
    return [address];
  }
  if (value === '$copy') {
    const found = host.nameservers;
    if (found === undefined) throw new LockerError('HOST_PRECONDITION', `$copy in the dns of ${spec.name}: the agent of host "${host.host}" does not report its nameservers`, { hint: 'upgrade locker on that host', location });
    if (found.usable.length === 0) {
      const why = found.skipped.length > 0 ? `lists only loopback resolvers (${found.skipped.join(', ')}), which a container cannot reach` : 'lists no nameserver';
      throw new LockerError('HOST_PRECONDITION', `$copy in the dns of ${spec.name}: the /etc/resolv.conf of host "${host.host}" ${why}`, {
        hint: 'use $bridge (lxc-net\'s dnsmasq answers on the bridge) or write the upstream addresses',
        location,
      });
    }
    return found.usable;
  }
  return [value];
}

/** A set-dns step when the nameservers the container should have differ from what it has. */
export function planDnsStep(ctx: PlanContext, spec: ContainerSpec, observed: ObservedContainer | undefined, symbol: ChangeSymbol): void {
  const host = requireHost(ctx.observed, spec.host);
  const want = resolveNameservers(spec, host) ?? [];
  const owned = ownsConfig(observed?.managed, ctx.desired.project, spec.name);
  const recorded = owned ? observed?.managed?.dns : undefined;
  const specRef = spec.dns?.[0]?.ref ?? spec.ref;
  const params = { kind: 'set-dns' as const, nameservers: want };
  const ref = refOf(spec);
  const placeholders = (spec.dns ?? []).filter((d) => d.value.startsWith('$')).map((d) => d.value);
  const from = placeholders.length === 0 ? '' : ` (from ${placeholders.join(', ')})`;
  if (observed === undefined) {
    if (want.length > 0) ctx.draft.add(ref, { symbol, reason: 'missing', detail: `nameservers ${want.join(', ')}${from}`, specRef, params });
    return;
  }
  const live = observed.state === 'RUNNING' ? ' (live, no restart)' : '';
  if (want.length === 0) {
    if (recorded !== undefined && recorded.length > 0) ctx.draft.add(ref, { symbol, reason: 'not-in-spec', detail: `remove Locker's nameservers ${recorded.join(', ')}${live}`, specRef, params });
    return;
  }
  const have = observed.dns ?? [];
  const same = (a: readonly string[] | undefined) => a !== undefined && a.length === want.length && a.every((n, i) => n === want[i]);
  if (same(recorded) && same(have)) return;
  const was = !same(recorded) ? (recorded === undefined ? 'none set by Locker' : `was ${recorded.join(', ')}`) : `resolv.conf has ${have.length === 0 ? 'no Locker block' : have.join(', ')}`;
  ctx.draft.add(ref, { symbol, reason: 'drifted', detail: `nameservers ${want.join(', ')}${from}; ${was}${live}`, specRef, params });
}
