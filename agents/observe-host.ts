// One pass over a host: containers from one lxc-ls run, forwards from one iptables-save run, each
// container's origin, Locker block and interface read from its config file; the bridges from one
// `ip addr`, and every address somebody holds (Locker's claims, DHCP leases, configs, running containers).

import type { HeldAddress, ObservedBridge, ObservedContainer, ObservedHost } from '../plans/observed.js';
import {
  ADDRESS_DIR,
  configPath,
  dhcpOf,
  findDhcpServers,
  linksDataPath,
  listBridges,
  listContainers,
  networkStackId,
  normaliseLinkLines,
  parseConfiguredInterface,
  parseLinksBlock,
  parseLockerBlock,
  parseIdmap,
  parseManagedBlock,
  parseDnsBlock,
  parseSnapshotOrigin,
  readCgroup1Controllers,
  readCgroup2Controllers,
  readContainerResolv,
  readHostNameservers,
  readLiveClaims,
  readConfig,
  readLeases,
  runLxc,
  type ListedContainer,
} from '../src/lxc/index.js';
import { readTextIfExists } from '../src/files/read-text-if-exists.js';
import { compareForwards } from '../src/net/index.js';
import type { NetOps } from './actions/context.js';

export interface ObserveOptions {
  /** The claims folder (tests point it elsewhere); default ADDRESS_DIR. */
  addressDir?: string;
}

export async function observeHost(host: string, lxcpath: string, net: NetOps, opts: ObserveOptions = {}): Promise<ObservedHost> {
  const addressDir = opts.addressDir ?? ADDRESS_DIR;
  const [listed, forwards, hostBridges, servers, claims, netns, cgroup2, cgroup1, nameservers] = await Promise.all([
    listContainers(lxcpath),
    net.readForwards(),
    listBridges(),
    findDhcpServers(),
    readLiveClaims(addressDir),
    networkStackId(),
    readCgroup2Controllers(),
    readCgroup1Controllers(),
    readHostNameservers(),
  ]);
  const bridges: ObservedBridge[] = hostBridges.map((b) => ({ ...b, dhcp: dhcpOf(b.name, servers, addressDir) }));
  const leases = await readLeases(Math.floor(Date.now() / 1000), servers);
  const addresses: HeldAddress[] = [
    ...claims.map((c): HeldAddress => ({ ip: c.ip, kind: 'claim', holder: `container ${c.container} (lxcpath ${c.lxcpath})`, lxcpath: c.lxcpath, container: c.container, mac: c.mac, bridge: c.bridge })),
    ...leases.map((l): HeldAddress => ({ ip: l.ip, kind: 'lease', holder: `a DHCP lease of ${l.mac}${l.hostname === '*' ? '' : ` (${l.hostname})`}`, mac: l.mac })),
  ];
  const read = await Promise.all(listed.map((c) => observeContainer(lxcpath, c, addresses)));
  const containers = read.filter((c): c is ObservedContainer => c !== undefined).sort((a, b) => compare(a.name, b.name));
  // Only this host's forwards: other agents may share this kernel's netfilter.
  const own = forwards.filter((f) => f.host === host).map(({ host: _host, ...forward }) => forward);
  addresses.sort((a, b) => compare(a.ip, b.ip) || compare(a.kind, b.kind) || compare(a.holder, b.holder));
  return { host, lxcpath, containers, forwards: own.sort(compareForwards), netns, bridges, addresses, cgroup2, cgroup1, nameservers };
}

async function observeContainer(lxcpath: string, listed: ListedContainer, addresses: HeldAddress[]): Promise<ObservedContainer | undefined> {
  const text = await readConfig(lxcpath, listed.name);
  if (text === undefined) return undefined; // destroyed since lxc-ls ran
  const observed: ObservedContainer = { name: listed.name, state: listed.state, ipv4: listed.ipv4 };
  const origin = parseSnapshotOrigin(text, lxcpath);
  if (origin !== undefined) observed.origin = origin;
  const file = configPath(lxcpath, listed.name);
  const managed = parseManagedBlock(text, file);
  if (managed !== undefined) observed.managed = managed;
  const idmap = parseIdmap(text);
  if (idmap !== undefined) observed.idmapBase = idmap.uidBase;
  const configured = parseConfiguredInterface(text);
  const who = `container ${listed.name} (lxcpath ${lxcpath})`;
  const mac = configured.mac === undefined ? {} : { mac: configured.mac };
  for (const ip of configured.ipv4) addresses.push({ ip, kind: 'config', holder: who, lxcpath, container: listed.name, ...mac });
  for (const ip of listed.ipv4) addresses.push({ ip, kind: 'live', holder: `${who}, running`, lxcpath, container: listed.name, ...mac });
  if (parseLockerBlock(text, file)?.linksHookPath !== undefined) {
    const links = await observeLinks(lxcpath, listed);
    if (links !== undefined) observed.links = links;
  }
  if (managed?.dns !== undefined) {
    // Only where Locker set nameservers: reading a running container's file takes an lxc-attach.
    const text = await readContainerResolv(lxcpath, listed.name, listed.state === 'RUNNING').catch(() => '');
    observed.dns = parseDnsBlock(text) ?? [];
  }
  return observed;
}

/**
 * The link lines a running container has in its /etc/hosts (read inside it: a path through its root from
 * the host could be a symlink out of it), or those its next start writes.
 */
async function observeLinks(lxcpath: string, listed: ListedContainer): Promise<string[] | undefined> {
  if (listed.state === 'RUNNING') {
    const { stdout, exitCode } = await runLxc('lxc-attach', ['-P', lxcpath, '-n', listed.name, '--clear-env', '--', 'cat', '/etc/hosts'], {
      retryable: true,
      okExitCodes: [1],
    });
    return exitCode === 0 ? parseLinksBlock(stdout) : [];
  }
  const data = await readTextIfExists(linksDataPath(lxcpath, listed.name));
  return data === undefined ? undefined : normaliseLinkLines(data);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
