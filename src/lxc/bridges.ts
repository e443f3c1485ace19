// The host's bridges and their addresses, from one `ip -j addr show type bridge`; and which network
// stack this process sees (agents that share it share the bridges).

import { readlink } from 'node:fs/promises';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { runLxc } from './run-lxc.js';

export interface HostBridge {
  name: string;
  ipv4?: { address: string; prefix: number };
  ipv6?: { address: string; prefix: number };
}

interface IpAddrJson {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; scope?: string }[];
}

export async function listBridges(): Promise<HostBridge[]> {
  const { stdout } = await runLxc('ip', ['-j', 'addr', 'show', 'type', 'bridge'], {
    subject: 'bridges',
    retryable: true,
    missingHint: 'install it: apt-get install -y iproute2',
  });
  return parseBridges(stdout);
}

/** The first global IPv4 and IPv6 address of each bridge (link-local IPv6 ones cannot route). */
export function parseBridges(json: string): HostBridge[] {
  const parsed = JSON.parse(json === '' ? '[]' : json) as IpAddrJson[];
  const bridges: HostBridge[] = [];
  for (const link of parsed) {
    if (link.ifname === undefined) continue;
    const bridge: HostBridge = { name: link.ifname };
    for (const a of link.addr_info ?? []) {
      if (a.local === undefined || a.prefixlen === undefined || a.scope !== 'global') continue;
      if (a.family === 'inet' && bridge.ipv4 === undefined) bridge.ipv4 = { address: a.local, prefix: a.prefixlen };
      if (a.family === 'inet6' && bridge.ipv6 === undefined) bridge.ipv6 = { address: a.local, prefix: a.prefixlen };
    }
    bridges.push(bridge);
  }
  return bridges.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** This kernel's boot and this process's network namespace: equal for agents that see the same bridges. */
export async function networkStackId(): Promise<string> {
  const [boot, netns] = await Promise.all([readTextIfExists('/proc/sys/kernel/random/boot_id'), readlink('/proc/self/ns/net')]);
  return `${(boot ?? 'unknown').trim()}/${netns}`;
}
