// The normalised desired state a spec file describes: what the planner compares with the hosts.
// Plain data, no I/O; every part carries a SpecRef back to the line that asked for it.

import type { PortForward } from '../rules/ports.js';
import type { ProvisionCommand } from '../rules/provision.js';
import type { CgroupSetting } from '../rules/cgroup.js';

export type { Protocol } from '../rules/ports.js';

/** Where a value came from: file, 1-based line and column, and the spec path. */
export interface SpecRef {
  file: string;
  line: number;
  col: number;
  /** e.g. `containers.web.ports[1]` (later format) or `web.ports[1]` (first format). */
  path: string;
}

/** `ipv6` is set by `[ADDR]:H:C` (hostIp then canonical IPv6) and absent for IPv4, so IPv4 plans keep their bytes. */
export interface PortSpec extends PortForward {
  /** The string as written in the spec, e.g. `192.168.2.123:8002:8002`. */
  raw: string;
  ref: SpecRef;
}

export interface VolumeSpec {
  /** Absolute host path, placeholders expanded. */
  hostPath: string;
  /** Absolute path inside the container. */
  containerPath: string;
  readOnly: boolean;
  raw: string;
  ref: SpecRef;
}

export type ContainerSource =
  | { kind: 'template'; template: string; args: Record<string, string>; ref: SpecRef }
  | {
      kind: 'clone';
      /** LXC name of the origin (`<project>_<short>` for a container of the project). */
      origin: string;
      /** Short name of the origin when it is a container of this project. */
      originInProject?: string;
      snapshot: boolean;
      ref: SpecRef;
    };

/** The container's first network interface: its bridge, and the address the spec fixes (if any). */
export interface NetworkSpec {
  bridge: { name: string; ref: SpecRef };
  /** `ipv4:` of the spec; without it Locker assigns an address on the bridge and keeps it. */
  ipv4?: { address: string; ref: SpecRef };
}

/** `links: [db]` or `links: ["db:database"]`: inside the container, `alias` (and `target`) resolve to target's address. */
export interface LinkSpec {
  /** Short name of a container of this spec. */
  target: string;
  /** The name written for it; the target's own name when no alias is given. */
  alias: string;
  ref: SpecRef;
}

/**
 * One cgroup v2 file the container's config sets (`lxc.cgroup2.KEY`), from `limits:` or `cgroup:`; `v1`: the
 * v1 files that say the same (`lxc.cgroup.KEY`), written instead on a host that has the controller on v1 only.
 */
export interface CgroupSpec {
  key: string;
  value: string;
  v1: CgroupSetting[];
  /** What the spec wrote: `limits.memory: 512M`, `cgroup: cpu.shares=512`. */
  from: string;
  ref: SpecRef;
}

/** One raw LXC key of `config:`; a key LXC reads several times has several values, in order. */
export interface ConfigSpec {
  key: string;
  values: string[];
  ref: SpecRef;
}

/** One entry of `dns:`: a nameserver address (canonical), or a placeholder the planner resolves on the host. */
export interface DnsSpec {
  value: string;
  ref: SpecRef;
}

/** One `provision:` command: `/bin/sh -c RUN` inside the container, with ENV set and nothing else. */
export interface ProvisionSpec extends ProvisionCommand {
  ref: SpecRef;
}

export interface ContainerSpec {
  /** Short name as written in the spec (`web`). */
  name: string;
  /** LXC container name on the host: `<project>_<name>`. */
  lxcName: string;
  /** Agent host the container lives on; `local` in embedded mode. */
  host: string;
  source: ContainerSource;
  fqdn?: string;
  volumes: VolumeSpec[];
  ports: PortSpec[];
  /** Short names of containers of this project that must be started first. */
  dependsOn: string[];
  /**
   * Host paths of this container's volumes the spec accepts although they would expose the host
   * (`allow_host_paths`); sorted, absent when there are none.
   */
  allowHostPaths?: string[];
  network: NetworkSpec;
  /** Sorted by alias. */
  links: LinkSpec[];
  /** Started by the host's boot (`lxc.start.auto`), its forwards restored by a host-side hook. */
  autostart: boolean;
  /**
   * `stop_timeout`: seconds a clean stop may take before the container is killed. Absent when the spec
   * does not set it (DEFAULT_STOP_TIMEOUT_S applies), so specs without it keep their digest. Not
   * container config: a change plans nothing for an existing container, only how later stops wait.
   */
  stopTimeout?: number;
  /**
   * `provision`: commands run in order inside the container once it first runs with its network up, and
   * again only when the list changes. Absent when there are none, so specs without it keep their digest.
   */
  provision?: ProvisionSpec[];
  /** cgroup v2 settings (`limits:` and the translated `cgroup:`), sorted by key; absent when none. */
  cgroup?: CgroupSpec[];
  /** Raw LXC keys (`config:`), sorted by key; absent when none. */
  config?: ConfigSpec[];
  /** `dns:`: the container's nameservers, in order; absent when the spec leaves resolv.conf alone. */
  dns?: DnsSpec[];
  /** Keys of `config:` the spec accepts although they hand the host to the container (`allow_config`); sorted. */
  allowConfig?: string[];
  /**
   * `unprivileged: true`: the container runs in a user namespace, root inside mapped to a subordinate
   * range of root's on the host. Absent when false, so specs without it keep their digest.
   */
  unprivileged?: { ref: SpecRef };
  ref: SpecRef;
}

export interface DesiredState {
  project: string;
  /** Spec file path as given (used in error locations). */
  file: string;
  /** sha256 of the normalised desired state (not of the text: comments do not make a plan stale). */
  digest: string;
  /** Sorted by name. */
  containers: ContainerSpec[];
}
