// One pass over a host: containers from one lxc-ls run, forwards from one iptables-save run,
// each container's origin and Locker block read from its config file.

import type { ObservedContainer, ObservedHost } from '../plans/observed.js';
import { configPath, listContainers, parseManagedBlock, parseSnapshotOrigin, readConfig, type ListedContainer } from '../src/lxc/index.js';
import { compareForwards } from '../src/net/index.js';
import type { NetOps } from './actions/context.js';

export async function observeHost(host: string, lxcpath: string, net: NetOps): Promise<ObservedHost> {
  const [listed, forwards] = await Promise.all([listContainers(lxcpath), net.readForwards()]);
  const read = await Promise.all(listed.map((c) => observeContainer(lxcpath, c)));
  const containers = read.filter((c): c is ObservedContainer => c !== undefined).sort((a, b) => compare(a.name, b.name));
  // Only this host's forwards: other agents may share this kernel's netfilter.
  const own = forwards.filter((f) => f.host === host).map(({ host: _host, ...forward }) => forward);
  return { host, lxcpath, containers, forwards: own.sort(compareForwards) };
}

async function observeContainer(lxcpath: string, listed: ListedContainer): Promise<ObservedContainer | undefined> {
  const text = await readConfig(lxcpath, listed.name);
  if (text === undefined) return undefined; // destroyed since lxc-ls ran
  const observed: ObservedContainer = { name: listed.name, state: listed.state, ipv4: listed.ipv4 };
  const origin = parseSnapshotOrigin(text, lxcpath);
  if (origin !== undefined) observed.origin = origin;
  const managed = parseManagedBlock(text, configPath(lxcpath, listed.name));
  if (managed !== undefined) observed.managed = managed;
  return observed;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
