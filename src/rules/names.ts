// Names of projects, containers, hosts, bridges and templates. LXC names are `<project>_<name>`, so a
// container's short name may not hold `_`: that keeps the split back into parts unambiguous.

export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Any LXC container name a clone may start from, inside the project or not (a folder name: 255 at most). */
export const LXC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A template by name (`busybox`, `download`); an absolute path to a script is the other form. */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A template argument's name: it becomes `--NAME`. */
export const TEMPLATE_ARG = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** Linux interface names: at most 15 characters (IFNAMSIZ), no "/", ":" or whitespace. */
export const BRIDGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;
/**
 * LXC templates write the container's name as its hostname (`lxc.uts.name`), which the kernel
 * caps at 64 characters: lxc-create refuses a longer `<project>_<name>`.
 */
export const LXC_NAME_MAX = 64;

/** The naming rule in words, for error messages and the README. */
export const NAME_RULE =
  'a project name is 1-63 characters: letters, digits, "_", "." and "-", starting with a letter or digit; ' +
  'a container name is 1-63 characters: letters, digits and "-", starting with a letter or digit ' +
  `(no "_" or ".": the container is named <project>_<name> on the host, at most ${LXC_NAME_MAX} characters)`;

export const CONTAINER_NAME_RULE =
  'container names are 1-63 letters, digits and "-", starting with a letter or digit (no "_" or ".")';

export const HOST_NAME_RULE =
  'host names are 1-63 letters, digits, "_", "." and "-", starting with a letter or digit, with no empty "." part';

export const BRIDGE_NAME_RULE = 'a bridge name is 1-15 letters, digits, "_", "." and "-", starting with a letter or digit';

/** A regex test coerces its argument (["web"] would pass as "web"): only a string is a name. */
function matches(rule: RegExp, value: unknown): value is string {
  return typeof value === 'string' && rule.test(value);
}

export const isProjectName = (value: unknown): value is string => matches(PROJECT_NAME, value);
export const isContainerName = (value: unknown): value is string => matches(CONTAINER_NAME, value);

/**
 * A host name is a token of NATS subjects (`locker.jobs.<host>`) and of rule tags: a trailing `.` or
 * a `..` would make an empty subject token, which NATS refuses.
 */
export function isHostName(value: unknown): value is string {
  return matches(HOST_NAME, value) && !value.endsWith('.') && !value.includes('..');
}

export function lxcNameOf(project: string, name: string): string {
  return `${project}_${name}`;
}

/** Why `<project>_<name>` is not a name LXC accepts, or undefined when it is. */
export function describeLxcNameLength(project: string, name: string): string | undefined {
  const full = lxcNameOf(project, name);
  if (full.length <= LXC_NAME_MAX) return undefined;
  return `the LXC name "${full}" is ${full.length} characters long; LXC allows at most ${LXC_NAME_MAX} (it becomes the container's hostname)`;
}
