// Naming rules for projects, containers and hosts. LXC names are `<project>_<name>`, so a
// container's short name may not hold `_`: that keeps the split back into parts unambiguous.
import { LockerError } from '../errors.js';

export const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const CONTAINER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/;
export const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** Any LXC container name a clone may start from, inside the project or not. */
export const LXC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The naming rule in words, for error messages and the README. */
export const NAME_RULE =
  'a project name is 1-63 characters: letters, digits, "_", "." and "-", starting with a letter or digit; ' +
  'a container name is 1-63 characters: letters, digits and "-", starting with a letter or digit ' +
  '(no "_" or ".": the container is named <project>_<name> on the host)';

export const CONTAINER_NAME_RULE =
  'container names are 1-63 letters, digits and "-", starting with a letter or digit (no "_" or ".")';

export const HOST_NAME_RULE =
  'host names are 1-63 letters, digits, "_", "." and "-", starting with a letter or digit';

export function validateProjectName(name: string): void {
  if (PROJECT_NAME.test(name)) return;
  throw new LockerError('SPEC_INVALID', `invalid project name "${name}": ${NAME_RULE}`, {
    hint: 'use -p NAME',
  });
}

export function lxcNameOf(project: string, name: string): string {
  return `${project}_${name}`;
}
