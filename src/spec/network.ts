// The network keys of one container: `bridge`, `ipv4` and `links`, each checked where it is written.
// Whether an address fits the bridge is the planner's question: only the host knows the bridge's subnet.

import { hintFor } from './did-you-mean.js';
import { normaliseFqdn } from '../rules/dns-names.js';
import { parseIpv4 } from '../rules/ipv4.js';
import { BRIDGE_NAME, BRIDGE_NAME_RULE } from '../rules/names.js';
import { bad, ok, specError, unwrap, type Checked } from './spec-error.js';
import type { ContainerSpec, LinkSpec, NetworkSpec, SpecRef } from './types.js';

export const DEFAULT_BRIDGE = 'lxcbr0';


export interface NetworkFields {
  bridge?: { value: string; ref: SpecRef };
  ipv4?: { value: string; ref: SpecRef };
  /** Where the container is declared: the bridge's ref when it is the default one. */
  containerRef: SpecRef;
}

export function buildNetwork(fields: NetworkFields): NetworkSpec {
  const bridgeName = fields.bridge?.value ?? DEFAULT_BRIDGE;
  const bridgeRef = fields.bridge?.ref ?? fields.containerRef;
  if (!BRIDGE_NAME.test(bridgeName)) throw specError(`invalid bridge "${bridgeName}"`, bridgeRef, BRIDGE_NAME_RULE);
  const network: NetworkSpec = { bridge: { name: bridgeName, ref: bridgeRef } };
  if (fields.ipv4 !== undefined) {
    const address = unwrap(parseIpv4(fields.ipv4.value), fields.ipv4.ref);
    network.ipv4 = { address, ref: fields.ipv4.ref };
  }
  return network;
}

/** `db` or `db:database`. The target is checked against the spec later, when every name is known. */
export function parseLink(raw: string): Checked<{ target: string; alias: string }> {
  const parts = raw.split(':');
  if (parts.length > 2 || parts[0] === '') {
    return bad(`invalid link "${raw}"`, 'write a container name, or "name:alias" to reach it under another name too');
  }
  const [target, aliasText] = parts as [string, string | undefined];
  if (aliasText === undefined) return ok({ target, alias: target.toLowerCase() });
  const alias = normaliseFqdn(aliasText);
  if (!alias.ok) return bad(`invalid alias in link "${raw}": ${alias.message}`, alias.hint);
  return ok({ target, alias: alias.value });
}

export function buildLinks(raws: readonly { value: string; ref: SpecRef }[], self: string): LinkSpec[] {
  const links: LinkSpec[] = [];
  for (const { value, ref } of raws) {
    const link = unwrap(parseLink(value), ref);
    if (link.target === self) throw specError(`${self} links to itself`, ref, 'a container reaches itself as localhost; remove the link');
    const twin = links.find((l) => l.alias === link.alias);
    if (twin) throw specError(`link name "${link.alias}" is used twice in ${self} (first by ${twin.ref.path})`, ref, 'give each link its own alias');
    links.push({ ...link, ref });
  }
  return links.sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0));
}

/**
 * Links name containers of the spec on the same host: a name in another host's /etc/hosts would point at
 * an address on a bridge of another machine, which this host cannot reach.
 */
export function assertLinks(containers: readonly ContainerSpec[]): void {
  const byName = new Map(containers.map((c) => [c.name, c]));
  for (const c of containers) {
    for (const link of c.links) {
      const target = byName.get(link.target);
      if (target === undefined) {
        throw specError(`${c.name} links to "${link.target}", which is not a container of this spec`, link.ref, hintFor(link.target, [...byName.keys()], 'containers'));
      }
      if (target.host !== c.host) {
        throw specError(
          `${c.name} (host "${c.host}") links to ${target.name} on another host ("${target.host}")`,
          link.ref,
          'links resolve to an address on the bridge of the same host; put both containers on one host, or reach the other through a forwarded port',
        );
      }
    }
  }
}

/** Two containers of one host asking for one address on one bridge: the second one is the error. */
export function assertNoAddressClash(containers: readonly ContainerSpec[]): void {
  const seen = new Map<string, ContainerSpec>();
  const declared = [...containers].sort((a, b) => a.ref.line - b.ref.line || a.ref.col - b.ref.col);
  for (const c of declared) {
    const ipv4 = c.network.ipv4;
    if (ipv4 === undefined) continue;
    const key = `${c.host}\0${c.network.bridge.name}\0${ipv4.address}`;
    const first = seen.get(key);
    if (first !== undefined) {
      throw specError(`ipv4 ${ipv4.address} is already the address of ${first.name} (${first.network.ipv4!.ref.path})`, ipv4.ref, 'give each container its own address, or leave `ipv4` out to have one assigned');
    }
    seen.set(key, c);
  }
}
