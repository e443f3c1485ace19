// The plan is data: an ordered DAG of actions, each with a reason and the spec line behind it.
// Same inputs give byte-identical JSON; a plan records the digests it was made against.

import type { PortSpec, SpecRef } from '../src/spec/types.js';
import type { PortForward } from '../src/rules/ports.js';
import type { ProvisionCommand } from '../src/rules/provision.js';
import type { CgroupSetting } from '../src/rules/cgroup.js';

export type { CgroupSetting } from '../src/rules/cgroup.js';

/** One raw LXC config line of `config:` (a key the spec gives a list has one line per value). */
export interface ConfigLine {
  key: string;
  value: string;
}

export const ACTION_KINDS = [
  'create',
  'clone',
  'copy-out',
  'write-mounts',
  'install-hostname-hook',
  'set-network',
  'write-links',
  'set-autostart',
  'set-limits',
  'set-config',
  'set-dns',
  'start',
  'provision',
  'forward-ports',
  'unforward-ports',
  'stop',
  'freeze',
  'unfreeze',
  'destroy',
] as const;

export type ActionKind = (typeof ACTION_KINDS)[number];

/** Why an action is in the plan; shown to the user and asserted by tests. */
export type ActionReason =
  | 'missing' // the spec wants it and the host does not have it
  | 'drifted' // the host has it, but not as the spec says
  | 'not-in-spec' // the host has it (tagged as this project's), the spec no longer does
  | 'requested' // the command asked for it (down, stop, restart, rm, rmports, freeze, unfreeze)
  | 'origin-of-snapshot'; // stopped/restarted so a snapshot clone can be taken

/**
 * Terraform-like change symbol for rendering: `+` create, `~` change, `-` destroy, and for what is
 * neither, `>` start and `||` stop (every start and stop, whatever its reason).
 */
export const CHANGE_SYMBOLS = ['+', '~', '-', '-/+', '>', '||'] as const;

export type ChangeSymbol = (typeof CHANGE_SYMBOLS)[number];

/** What a command means; a plan is limited to it. */
export const PLAN_MODES = ['up', 'down', 'create', 'start', 'stop', 'restart', 'rm', 'ports', 'rmports', 'freeze', 'unfreeze'] as const;

export type PlanMode = (typeof PLAN_MODES)[number];

/** A port to forward, as the agent needs it (no spec positions). */
/** One port a forward-ports job forwards: the rule's own shape (src/rules/ports.ts). */
export type ForwardParams = PortForward;

export interface MountParams {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/**
 * Host paths among the mounts that the spec opted in for (`allow_host_paths`) although they would
 * expose the host; absent when there are none. The agent refuses any other such path.
 */
export type MountAllowances = { allowed?: string[] };

/** A container's first interface: what set-network writes into Locker's block, and claims on the host. */
export interface NetworkParams {
  bridge: string;
  mac: string;
  ipv4: string;
  /** Prefix length of the bridge's IPv4 subnet. */
  prefix: number;
  /** The bridge's own address: the container's default route. */
  gateway: string;
  ipv6?: { address: string; prefix: number; gateway: string };
  /** The bridge's DHCP server reads Locker's reservations: the container's DHCP client gets ipv4 too. */
  reserve: boolean;
  /**
   * The MAC of the container's own DHCP lease on ipv4, from before Locker fixed its MAC: given back, so
   * the reservation can serve the new one.
   */
  previousMac?: string;
}

/** One /etc/hosts line: an address and the names that resolve to it. */
export interface LinkEntry {
  ip: string;
  names: string[];
}

export type ActionParams =
  /** `unprivileged`: created in a user namespace with a uid/gid range of its own (absent: privileged). */
  | { kind: 'create'; template: string; args: Record<string, string>; unprivileged?: true }
  /** `unprivileged`: the origin must be unprivileged too; the clone shares its range (absent: both privileged). */
  | { kind: 'clone'; origin: string; snapshot: boolean; unprivileged?: true }
  | ({ kind: 'copy-out'; mounts: MountParams[] } & MountAllowances)
  | ({ kind: 'write-mounts'; mounts: MountParams[] } & MountAllowances)
  | { kind: 'install-hostname-hook'; fqdn?: string }
  | ({ kind: 'set-network' } & NetworkParams)
  /** Replaces Locker's block of the container's /etc/hosts with exactly these entries (none: no block). */
  | { kind: 'write-links'; entries: LinkEntry[] }
  | { kind: 'set-autostart'; autostart: boolean; order: number }
  /**
   * Exactly these cgroup files in the container's config (`lxc.cgroup2.*`; `lxc.cgroup.*` for those marked
   * v1, on a host with that controller on cgroup v1 only), and, when it runs, in its cgroup at once
   * (lxc-cgroup): no restart. A file no longer set goes back to its default.
   */
  | { kind: 'set-limits'; settings: CgroupSetting[] }
  /**
   * Exactly these raw LXC lines in the container's config, read at its next start. `allowed`: keys the
   * spec opted in for (`allow_config`) although they hand the host to the container; the agent refuses others.
   */
  | { kind: 'set-config'; lines: ConfigLine[]; allowed?: string[] }
  /** Exactly these nameservers (addresses) in Locker's block of the container's /etc/resolv.conf; none: no block. */
  | { kind: 'set-dns'; nameservers: string[] }
  | { kind: 'start' }
  /**
   * Runs the commands in order inside the running container (`/bin/sh -c`, once its network is up),
   * stops at the first failure, and records their digest, done or failed, in Locker's block.
   */
  | { kind: 'provision'; commands: ProvisionCommand[] }
  /**
   * Replaces every Locker forward of the container with exactly these, pointing at the container's
   * planned addresses (undefined for a container whose address Locker does not manage yet: the agent
   * then waits for the one DHCP gives it).
   */
  | { kind: 'forward-ports'; ports: ForwardParams[]; targetIp?: string; targetIp6?: string }
  /** Removes every Locker forward of the container. */
  | { kind: 'unforward-ports' }
  /**
   * Asks init to shut down cleanly and kills the container when it is still running `timeoutSeconds`
   * later; 0 kills at once, without asking. Absent only in plans saved before stop timeouts existed
   * (the agent then waits DEFAULT_STOP_TIMEOUT_S).
   */
  | { kind: 'stop'; timeoutSeconds?: number }
  /** Suspends every process of a running container (lxc-freeze); a frozen one is adopted. */
  | { kind: 'freeze' }
  /** Resumes a frozen container (lxc-unfreeze); one that is not frozen is adopted. */
  | { kind: 'unfreeze' }
  | { kind: 'destroy' };

export interface PlannedAction {
  /** Stable within a plan: `<host>/<container>/<kind>` plus `#n` when a kind repeats. */
  id: string;
  host: string;
  project: string;
  /** Short name. */
  container: string;
  /** LXC name on the host. */
  lxcName: string;
  kind: ActionKind;
  symbol: ChangeSymbol;
  reason: ActionReason;
  /** One human line: what differs, e.g. `port 8000/tcp is not forwarded`. */
  detail: string;
  dependsOn: string[];
  specRef?: SpecRef;
  params: ActionParams;
}

export interface Plan {
  version: 1;
  /** sha256-derived from the rest of the plan: equal plans have equal ids. */
  planId: string;
  project: string;
  mode: PlanMode;
  specFile: string;
  specDigest: string;
  /** host → digest of the observed state the plan was made against. */
  observedDigests: Record<string, string>;
  /** Containers the command was limited to; empty means all. */
  targets: string[];
  /** In a valid execution order (a topological order of dependsOn). */
  actions: PlannedAction[];
}
