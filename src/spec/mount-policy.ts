// Which host paths a container may not bind-mount, unless its spec opts in for that exact path.
// One rule for both sides: the spec loader checks what the spec says, the agent checks the real
// path on its host just before it writes the mount (a symlink may have appeared since the plan).
import { posix } from 'node:path';

export interface ForbiddenTree {
  path: string;
  /** What mounting it would expose, for the message. */
  what: string;
}

/** Mounting one of these, anything inside one, or a folder that contains one exposes the host. */
export const FORBIDDEN_HOST_TREES: readonly ForbiddenTree[] = [
  { path: '/etc', what: "the host's configuration (passwords, sudoers, cron)" },
  { path: '/root', what: "root's home" },
  { path: '/boot', what: "the host's kernel and boot loader" },
  { path: '/proc', what: "the host's processes and kernel settings" },
  { path: '/sys', what: "the host's kernel and devices" },
  { path: '/dev', what: "the host's devices" },
  { path: '/bin', what: "the host's programs" },
  { path: '/sbin', what: "the host's programs" },
  { path: '/lib', what: "the host's libraries" },
  { path: '/lib32', what: "the host's libraries" },
  { path: '/lib64', what: "the host's libraries" },
  { path: '/libx32', what: "the host's libraries" },
  { path: '/usr', what: "the host's programs and libraries" },
  { path: '/run', what: 'runtime sockets (docker, containerd, lxd) and system state' },
  { path: '/var/run', what: 'runtime sockets (docker, containerd, lxd) and system state' },
  { path: '/var/lib/lxc', what: "LXC's containers" },
  { path: '/var/lib/lxd', what: "LXD's containers and socket" },
  { path: '/var/snap/lxd', what: "LXD's containers and socket" },
  { path: '/var/lib/incus', what: "Incus's containers and socket" },
  { path: '/var/lib/docker', what: "Docker's containers and images" },
  { path: '/var/lib/containerd', what: "containerd's containers and images" },
];

export interface MountViolation {
  path: string;
  tree: ForbiddenTree;
  /** `inside`: the path is the tree or under it; `contains`: the tree is under the path. */
  relation: 'inside' | 'contains';
}

/**
 * The forbidden tree `path` (absolute, normalised) is in or contains, or undefined.
 * `extraTrees` adds the agent's own lxcpath, which the spec cannot know.
 */
export function findMountViolation(path: string, extraTrees: readonly ForbiddenTree[] = []): MountViolation | undefined {
  const p = tidy(path);
  for (const tree of [...extraTrees, ...FORBIDDEN_HOST_TREES]) {
    const t = tidy(tree.path);
    if (isWithin(p, t)) return { path: p, tree, relation: 'inside' };
    if (isWithin(t, p)) return { path: p, tree, relation: 'contains' };
  }
  return undefined;
}

/** The violation unless `allowed` holds exactly this path (an opt-in names one path, not a tree). */
export function findRefusedMount(path: string, allowed: readonly string[], extraTrees: readonly ForbiddenTree[] = []): MountViolation | undefined {
  const violation = findMountViolation(path, extraTrees);
  if (violation === undefined || allowed.some((a) => tidy(a) === violation.path)) return undefined;
  return violation;
}

export function describeViolation(v: MountViolation): string {
  const where =
    v.relation === 'contains' ? `contains ${v.tree.path}` : v.path === tidy(v.tree.path) ? 'is protected' : `is inside ${v.tree.path}`;
  return `host path ${v.path} ${where}: mounting it would expose ${v.tree.what}`;
}

/** How to opt in, for hints. */
export function optInHint(path: string, container: string): string {
  return `if ${container} really needs it, opt in for this exact path: \`allow_host_paths: ["${path}"]\``;
}

export function isWithin(path: string, tree: string): boolean {
  return path === tree || tree === '/' || path.startsWith(`${tree}/`);
}

function tidy(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}
