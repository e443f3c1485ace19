// What an agent saw on its host in one pass: the planner's other input.
// Plain data; agents produce it, the planner and digests read it.

import type { Protocol } from '../src/spec/types.js';

export type ContainerState = 'RUNNING' | 'STOPPED' | 'STARTING' | 'STOPPING' | 'FROZEN' | 'ABORTING' | 'UNKNOWN';

export interface ObservedMount {
  hostPath: string;
  /** Absolute path inside the container. */
  containerPath: string;
  readOnly: boolean;
}

/** The block Locker owns in a container's config (between `# locker:begin` and `# locker:end`). */
export interface ManagedConfig {
  project: string;
  /** Short name the block was written for (a clone inherits its origin's block until rewritten). */
  container: string;
  mounts: ObservedMount[];
  /** fqdn the hostname hook was installed for; undefined when no hook is installed. */
  fqdn?: string;
}

export interface ObservedContainer {
  /** LXC name. */
  name: string;
  state: ContainerState;
  ipv4: string[];
  /** LXC name of the snapshot origin, when the rootfs is an overlay over another container. */
  origin?: string;
  /** Undefined when the config holds no Locker block (a container Locker did not configure). */
  managed?: ManagedConfig;
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
  /** Address the DNAT rules point at. */
  targetIp: string;
  /** True when every rule the forward needs is present (DNAT for others, DNAT for the host, accept). */
  complete: boolean;
}

export interface ObservedHost {
  host: string;
  lxcpath: string;
  /** Sorted by name. */
  containers: ObservedContainer[];
  /** Sorted by project, container, protocol, hostPort. */
  forwards: ObservedForward[];
}
