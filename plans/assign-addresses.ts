// Every spec container's network identity: its bridge, a MAC for life, an IPv4 address (fixed by the spec
// or assigned here) and, where the bridge has one, an IPv6 address. Pure and deterministic: same inputs,
// same addresses, so a saved plan, a retry and a resume all use the ones the plan shows.

import { createHash } from 'node:crypto';
import { LockerError } from '../src/errors.js';
import { describeOutsideSubnet, intToIpv4, ipv4ToInt, subnetBounds } from '../src/rules/ipv4.js';
import { formatIpv6, ipv6Groups } from '../src/rules/ipv6.js';
import { eui64InterfaceId } from '../src/rules/mac.js';
import { specError } from '../src/spec/spec-error.js';
import type { ContainerSpec, DesiredState } from '../src/spec/types.js';
import type { HeldAddress, ObservedBridge, ObservedHost, ObservedNetwork } from './observed.js';
import { findContainer } from './observed-lookup.js';
import type { NetworkParams } from './types.js';

/** What the planner needs to know of one container's network: what it should be, and what it is. */
export interface Addressing {
  wanted: NetworkParams;
  /** Locker's record of it on the host (undefined: a new container, or one Locker never addressed). */
  current?: ObservedNetwork;
}

/** Keyed by `host\0lxcName`. Containers whose host or bridge cannot give them an address are left out. */
export type AddressBook = ReadonlyMap<string, Addressing>;

export function addressKey(host: string, lxcName: string): string {
  return `${host}\0${lxcName}`;
}

/**
 * `required` names the containers (by addressKey) that must get an address now: a problem with any of
 * them (no such bridge, an address outside the subnet or held by someone else, a full subnet) is an
 * error at its spec line. The others get one when they can, for links to point at.
 */
export function assignAddresses(desired: DesiredState, observed: ReadonlyMap<string, ObservedHost>, required: ReadonlySet<string>): AddressBook {
  const book = new Map<string, Addressing>();
  for (const pool of poolsOf(desired, observed)) assignPool(pool, book, required);
  return book;
}

interface Member {
  spec: ContainerSpec;
  host: ObservedHost;
  current?: ObservedNetwork;
}

/** Containers that draw from one bridge of one network stack, with everything that stack's agents saw held. */
interface Pool {
  bridgeName: string;
  bridge?: ObservedBridge;
  members: Member[];
  held: HeldAddress[];
  lxcpathOf: ReadonlyMap<string, string>;
}

function poolsOf(desired: DesiredState, observed: ReadonlyMap<string, ObservedHost>): Pool[] {
  const pools = new Map<string, Pool>();
  const hostsOfNetns = new Map<string, ObservedHost[]>();
  for (const host of [...observed.values()].sort((a, b) => compare(a.host, b.host))) {
    const list = hostsOfNetns.get(host.netns) ?? [];
    list.push(host);
    hostsOfNetns.set(host.netns, list);
  }
  for (const spec of desired.containers) {
    const host = observed.get(spec.host);
    if (host === undefined) continue;
    const key = `${host.netns}\0${spec.network.bridge.name}`;
    let pool = pools.get(key);
    if (pool === undefined) {
      const sharing = hostsOfNetns.get(host.netns) ?? [host];
      pool = {
        bridgeName: spec.network.bridge.name,
        bridge: host.bridges.find((b) => b.name === spec.network.bridge.name),
        members: [],
        held: sharing.flatMap((h) => h.addresses),
        lxcpathOf: new Map(sharing.map((h) => [h.host, h.lxcpath])),
      };
      pools.set(key, pool);
    }
    const container = findContainer(host, spec.lxcName);
    const own = container?.managed?.project === desired.project && container.managed.container === spec.name;
    const member: Member = { spec, host };
    if (own && container.managed?.network !== undefined) member.current = container.managed.network;
    pool.members.push(member);
  }
  for (const pool of pools.values()) pool.members.sort((a, b) => compare(a.spec.host, b.spec.host) || compare(a.spec.name, b.spec.name));
  return [...pools.values()];
}

function assignPool(pool: Pool, book: Map<string, Addressing>, required: ReadonlySet<string>): void {
  const needs = (m: Member) => required.has(addressKey(m.spec.host, m.spec.lxcName));
  const fail = (m: Member, e: LockerError) => {
    if (needs(m)) throw e;
  };
  const { bridge } = pool;
  if (bridge?.ipv4 === undefined || bridge.dhcp === 'unreserved') {
    for (const m of pool.members) fail(m, bridgeProblem(m, bridge));
    return;
  }
  const subnet = bridge.ipv4;
  const selves = new Map(pool.members.map((m) => [m, selfOf(m, pool.held)]));
  const isSelf = (m: Member, h: HeldAddress) => selves.get(m)!.owns(h);
  // Addresses and MACs already spoken for: by other holders on the host, and by spec containers as they go.
  const taken = new Map<number, string>();
  const macs = new Set<string>();
  for (const h of pool.held) if (h.mac !== undefined) macs.add(h.mac);
  const heldBy = (m: Member, ip: string) => pool.held.find((h) => h.ip === ip && !isSelf(m, h));

  // Addresses that stay: what an existing container has (unless the spec fixes another), then fixed ones.
  const keep = new Map<Member, string>();
  for (const m of pool.members) {
    const fixed = m.spec.network.ipv4?.address;
    const current = m.current;
    if (current !== undefined) macs.add(current.mac);
    if (current !== undefined && current.bridge === pool.bridgeName && describeOutsideSubnet(current.ipv4, subnet) === undefined && (fixed === undefined || fixed === current.ipv4)) {
      keep.set(m, current.ipv4);
      taken.set(ipv4ToInt(current.ipv4), containerWords(m));
    }
  }
  for (const m of pool.members) {
    const fixed = m.spec.network.ipv4;
    if (fixed === undefined || keep.has(m)) continue;
    const outside = describeOutsideSubnet(fixed.address, subnet);
    const holder = heldBy(m, fixed.address)?.holder ?? taken.get(ipv4ToInt(fixed.address));
    if (outside !== undefined) {
      fail(m, specError(`ipv4 ${outside} (bridge ${pool.bridgeName} on host "${m.spec.host}")`, fixed.ref, `pick an address in ${cidrOf(subnet)}, or leave \`ipv4\` out to have one assigned`));
      continue;
    }
    if (holder !== undefined) {
      fail(m, specError(`ipv4 ${fixed.address} is already held by ${holder} on host "${m.spec.host}"`, fixed.ref, 'pick another address, or leave `ipv4` out to have a free one assigned'));
      continue;
    }
    keep.set(m, fixed.address);
    taken.set(ipv4ToInt(fixed.address), containerWords(m));
  }

  const { network, broadcast } = subnetBounds(subnet);
  const bridgeInt = ipv4ToInt(subnet.address);
  const heldInts = new Set(pool.held.map((h) => ipv4ToInt(h.ip)));
  const inSubnet = (ip: string) => describeOutsideSubnet(ip, subnet) === undefined;
  let next = network + 1;
  for (const m of pool.members) {
    let ipv4 = keep.get(m);
    if (ipv4 === undefined) {
      // An address the container itself already holds (its lease, its claim from an interrupted run, the one
      // it has now) keeps it where it is; otherwise the lowest one nobody holds or was given in this plan.
      ipv4 = pool.held.find((h) => isSelf(m, h) && inSubnet(h.ip) && !taken.has(ipv4ToInt(h.ip)) && heldBy(m, h.ip) === undefined)?.ip;
      if (ipv4 === undefined) {
        while (next < broadcast && (next === bridgeInt || taken.has(next) || heldInts.has(next))) next++;
        if (next >= broadcast) {
          fail(m, new LockerError('HOST_PRECONDITION', `no free IPv4 address left for ${m.spec.name} on bridge ${pool.bridgeName} (${cidrOf(subnet)}) of host "${m.spec.host}"`, {
            hint: 'remove containers or stale DHCP leases, or put it on another bridge (`bridge:`)',
            location: m.spec.network.bridge.ref,
          }));
          continue;
        }
        ipv4 = intToIpv4(next);
      }
      taken.set(ipv4ToInt(ipv4), containerWords(m));
    }
    const mac = m.current?.mac ?? selves.get(m)!.mac ?? deriveMac(m, macs);
    macs.add(mac);
    const wanted: NetworkParams = { bridge: pool.bridgeName, mac, ipv4, prefix: subnet.prefix, gateway: subnet.address, reserve: bridge.dhcp === 'reservations' };
    const ipv6 = bridge.ipv6 === undefined ? undefined : ipv6For(bridge.ipv6, mac);
    if (ipv6 !== undefined) wanted.ipv6 = ipv6;
    const ownLease = pool.held.find((h) => h.kind === 'lease' && h.ip === ipv4 && h.mac !== undefined && h.mac !== mac && isSelf(m, h));
    if (ownLease?.mac !== undefined) wanted.previousMac = ownLease.mac;
    const addressing: Addressing = { wanted };
    if (m.current !== undefined) addressing.current = m.current;
    book.set(addressKey(m.spec.host, m.spec.lxcName), addressing);
  }
}

/**
 * What a container itself holds: its claims, configured and live addresses, every lease of a MAC it has,
 * and the lease of an address it has now (a container Locker never addressed runs with a random MAC the
 * host cannot see). `mac` is the one to keep when Locker has recorded none: from its claim (a set-network
 * cut short), else from its config when nobody else uses it.
 */
function selfOf(m: Member, held: readonly HeldAddress[]): { owns(h: HeldAddress): boolean; mac?: string } {
  const mine = held.filter((h) => h.container === m.spec.lxcName && h.lxcpath === m.host.lxcpath);
  const macs = new Set([...(m.current === undefined ? [] : [m.current.mac]), ...mine.flatMap((h) => (h.mac === undefined ? [] : [h.mac]))]);
  const live = new Set(mine.filter((h) => h.kind === 'live').map((h) => h.ip));
  const owns = (h: HeldAddress) => mine.includes(h) || (h.mac !== undefined && macs.has(h.mac)) || (h.kind === 'lease' && live.has(h.ip));
  const candidate = mine.find((h) => h.kind === 'claim')?.mac ?? mine.find((h) => h.mac !== undefined)?.mac;
  const sharedWithOthers = candidate !== undefined && held.some((h) => h.mac === candidate && !mine.includes(h));
  return candidate === undefined || sharedWithOthers ? { owns } : { owns, mac: candidate };
}

function bridgeProblem(m: Member, bridge: ObservedBridge | undefined): LockerError {
  const name = m.spec.network.bridge.name;
  const at = m.spec.network.bridge.ref;
  if (bridge === undefined) {
    const known = m.host.bridges.map((b) => b.name);
    return specError(`bridge ${name} does not exist on host "${m.spec.host}"`, at, known.length === 0 ? 'create the bridge first (for lxcbr0: bin/setup-host)' : `bridges of that host: ${known.join(', ')}`);
  }
  if (bridge.ipv4 === undefined) {
    return specError(`bridge ${name} of host "${m.spec.host}" has no IPv4 address, so Locker cannot give ${m.spec.name} one in its subnet`, at, `give the bridge an address (ip addr add 10.0.9.1/24 dev ${name}), or pick another bridge`);
  }
  return new LockerError('HOST_PRECONDITION', `the DHCP server of ${name} on host "${m.spec.host}" (lxc-net's dnsmasq) does not read Locker's address reservations: containers would get other addresses than planned`, {
    hint: 'run bin/setup-host on that host: it points lxc-net\'s dnsmasq at Locker\'s reservations and restarts it',
    location: at,
  });
}

/**
 * A locally administered MAC (first octet 0x02) from a hash of where the container lives; a namesake in
 * another lxcpath gets another one, and a clash with a MAC already in use moves on to the next hash.
 */
function deriveMac(m: Member, used: ReadonlySet<string>): string {
  for (let n = 0; ; n++) {
    const hash = createHash('sha256').update(`${m.host.netns}\0${m.host.lxcpath}\0${m.spec.lxcName}\0${n}`).digest();
    const mac = ['02', ...[...hash.subarray(0, 5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
    if (!used.has(mac)) return mac;
  }
}

/** The bridge's /64 (or shorter) prefix with the MAC's EUI-64 interface id; a longer prefix gets no address. */
function ipv6For(bridge: { address: string; prefix: number }, mac: string): NetworkParams['ipv6'] {
  const groups = ipv6Groups(bridge.address);
  if (groups === undefined || bridge.prefix > 64) return undefined;
  const id = ipv6Groups(`::${eui64InterfaceId(mac)}`)!;
  return { address: formatIpv6([...groups.slice(0, 4), ...id.slice(4)]), prefix: bridge.prefix, gateway: bridge.address };
}

function containerWords(m: Member): string {
  return `container ${m.spec.name} of this spec`;
}

function cidrOf(subnet: { address: string; prefix: number }): string {
  return `${intToIpv4(subnetBounds(subnet).network)}/${subnet.prefix}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
