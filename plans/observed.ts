// What an agent saw on its host in one pass: the planner's other input.
// Plain data; agents produce it, the planner and digests read it.

import type { Protocol } from '../src/spec/types.js';
import type { CgroupSetting, ConfigLine } from './types.js';

export type ContainerState = 'RUNNING' | 'STOPPED' | 'STARTING' | 'STOPPING' | 'FROZEN' | 'ABORTING' | 'UNKNOWN';

export interface ObservedMount {
  hostPath: string;
  /** Absolute path inside the container. */
  containerPath: string;
  readOnly: boolean;
}

/** The container's first interface as Locker's block sets it: bridge, stable MAC, addresses. */
export interface ObservedNetwork {
  bridge: string;
  mac: string;
  ipv4: string;
  /** Absent when the bridge had no IPv6 address when the block was written. */
  ipv6?: string;
}

/** The block Locker owns in a container's config (between `# locker:begin` and `# locker:end`). */
export interface ManagedConfig {
  project: string;
  /** Short name the block was written for (a clone inherits its origin's block until rewritten). */
  container: string;
  mounts: ObservedMount[];
  /** fqdn the hostname hook was installed for; undefined when no hook is installed. */
  fqdn?: string;
  /** Undefined for a container configured before Locker managed addresses. */
  network?: ObservedNetwork;
  /** `lxc.start.order` when the block makes the container start at boot; undefined when it does not. */
  autostartOrder?: number;
  /** The last provision that ran to its end: the digest of its list, and whether every command succeeded. */
  provision?: ProvisionRecord;
  /** The nameservers set-dns last wrote into the container's resolv.conf; absent when Locker never did. */
  dns?: string[];
  /** The cgroup files the block sets (`lxc.cgroup2.*`, and `lxc.cgroup.*` marked v1, of set-limits), in config order; absent when none. */
  cgroup?: CgroupSetting[];
  /** The raw LXC lines the block sets (set-config), in config order; absent when none. */
  config?: ConfigLine[];
}

/** What a provision left in Locker's block: which list (its digest) ran, and how it ended. */
export interface ProvisionRecord {
  /** provisionDigest() of the commands. */
  digest: string;
  state: 'done' | 'failed';
}

export interface ObservedContainer {
  /** LXC name. */
  name: string;
  state: ContainerState;
  ipv4: string[];
  /** Global IPv6 addresses; absent when the agent did not look (an absent or empty list proves nothing). */
  ipv6?: string[];
  /** LXC name of the snapshot origin, when the rootfs is an overlay over another container. */
  origin?: string;
  /** Undefined when the config holds no Locker block (a container Locker did not configure). */
  managed?: ManagedConfig;
  /** The first id of the container's uid map (`lxc.idmap = u 0 BASE ...`); absent for a privileged container. */
  idmapBase?: number;
  /**
   * The `/etc/hosts` lines Locker's links put in the container (`10.0.3.5 db`), as the container has
   * them when it runs, or as its start will write them when it is stopped; undefined when Locker never
   * wrote links for it.
   */
  links?: string[];
  /**
   * The nameservers of Locker's block in the container's /etc/resolv.conf as it has it now (empty: no
   * block); absent when Locker never set its nameservers (`managed.dns`).
   */
  dns?: string[];
}

/**
 * A bridge of the host. `dhcp` says who hands out addresses on it: `reservations` is lxc-net's dnsmasq
 * reading Locker's reservations (a container's DHCP client gets its planned address); `unreserved` is a
 * dnsmasq of lxc-net that does not read them (it would hand out other addresses); `none` is anything
 * else, where the address LXC configures is the only one.
 */
export interface ObservedBridge {
  name: string;
  ipv4?: { address: string; prefix: number };
  /** A global or unique-local address; link-local ones do not count. */
  ipv6?: { address: string; prefix: number };
  dhcp: 'reservations' | 'unreserved' | 'none';
}

/**
 * An address somebody holds on this host: a claim of a Locker container (any project, any lxcpath), a
 * DHCP lease, a static address in a container's config, or one a running container has now.
 */
export interface HeldAddress {
  ip: string;
  kind: 'claim' | 'lease' | 'config' | 'live';
  /** Who, in words, for errors: `container demo_db (lxcpath /var/lib/lxc)`, `DHCP lease of 00:16:3e:...`. */
  holder: string;
  lxcpath?: string;
  /** LXC name, when the holder is a container. */
  container?: string;
  mac?: string;
  /** The bridge a claim was made on. */
  bridge?: string;
}

/**
 * What a host has at a volume's host path, as copy-out sees it: nothing (`missing`), an empty folder
 * (`empty`), or anything else (`occupied`: a folder with entries, a file, a symlink). copy-out seeds
 * only the first two.
 */
export type HostPathState = 'missing' | 'empty' | 'occupied';

/** What the control point asks an agent to look at besides what it always observes. */
export interface ObserveRequest {
  /**
   * Spec containers (LXC names) with the host paths of their volumes: for each one the host does not
   * have yet, the agent reports those paths in `hostPaths`.
   */
  volumes?: Array<{ container: string; hostPaths: string[] }>;
}

/** One forwarded port as Locker's tagged netfilter rules show it. */
export interface ObservedForward {
  project: string;
  /** Short name of the container. */
  container: string;
  protocol: Protocol;
  hostIp?: string;
  hostPort: number;
  containerPort: number;
  /** An IPv6 forward (ip6tables rules); absent for IPv4. */
  ipv6?: true;
  /** Address the DNAT rules point at (an IPv6 address for an IPv6 forward). */
  targetIp: string;
  /** True when every rule the forward needs is present (DNAT for others, DNAT for the host, accept, and for IPv4 the loopback MASQUERADE). */
  complete: boolean;
}

export interface ObservedHost {
  host: string;
  lxcpath: string;
  /** Sorted by name. */
  containers: ObservedContainer[];
  /** Sorted by project, container, protocol, hostPort. */
  forwards: ObservedForward[];
  /**
   * Which network stack the host's bridges live in (kernel boot id and network namespace): agents with
   * the same one share bridges, so their containers draw addresses from one pool.
   */
  netns: string;
  /** Sorted by name. */
  bridges: ObservedBridge[];
  /** Sorted by ip, then kind. */
  addresses: HeldAddress[];
  /**
   * By path: what the host has at the volume host paths of the containers it was asked about and does
   * not have yet (see ObserveRequest); absent when nobody asked. A path it could not look at is left out.
   */
  hostPaths?: Record<string, HostPathState>;
  /**
   * The controllers the host's cgroup v2 hierarchy offers containers (`cgroup.controllers` of its root):
   * empty on a cgroup v1 host and on a hybrid one that keeps memory, cpu and pids in v1, where LXC
   * ignores every `lxc.cgroup2.*` key. Absent from agents older than limits.
   */
  cgroup2?: string[];
  /**
   * The controllers the host mounts as cgroup v1 hierarchies (/sys/fs/cgroup/memory ... on a v1 or hybrid
   * host): a limit whose controller is there and not in cgroup2 is written as its v1 files. Absent from
   * agents older than v1 limits.
   */
  cgroup1?: string[];
  /**
   * The host's own nameservers, for `$copy`: `usable` in order, `skipped` the loopback resolvers a
   * container cannot reach. Absent from agents older than dns.
   */
  nameservers?: { usable: string[]; skipped: string[] };
}
