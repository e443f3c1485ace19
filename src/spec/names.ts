// Naming rules for projects, containers and hosts. LXC names are `<project>_<name>`, so a
// container's short name may not hold `_`: that keeps the split back into parts unambiguous.
import { LockerError } from '../errors.js';

export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Any LXC container name a clone may start from, inside the project or not (a folder name: 255 at most). */
export const LXC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A template by name (`busybox`, `download`); an absolute path to a script is the other form. */
export const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
/** A template argument's name: it becomes `--NAME`. */
export const TEMPLATE_ARG = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
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
  'host names are 1-63 letters, digits, "_", "." and "-", starting with a letter or digit';

export function validateProjectName(name: string): void {
  if (PROJECT_NAME.test(name)) return;
  throw new LockerError('SPEC_INVALID', `invalid project name ${JSON.stringify(name)}: ${NAME_RULE}`, {
    hint: 'use -p NAME',
  });
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
