// Where LXC keeps a container's files inside its lxcpath, and where Locker puts its own next to them.
// Names are validated before they get here; these only join paths.

import path from 'node:path';

export function containerDir(lxcpath: string, name: string): string {
  return path.join(lxcpath, name);
}

export function configPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'config');
}

/** Hostname hook script: constant text, run by `lxc.hook.mount`. */
export function hookPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-hostname-hook');
}

/** The fqdn the hook reads: data, so no user text ever sits in shell code. */
export function fqdnDataPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-fqdn');
}

/** Log of the last `lxc-start`, quoted in the error when a start fails. */
export function startLogPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-start.log');
}
