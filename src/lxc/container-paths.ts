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

/** Links hook script (`lxc.hook.mount`) and its data: the /etc/hosts lines it writes at every start. */
export function linksHookPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-links-hook');
}

export function linksDataPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-links');
}

/** Forward hook script (`lxc.hook.start-host`) and its data: the rules it puts back at every start. */
export function forwardHookPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-forward-hook');
}

export function forwardDataPath(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-forwards');
}

/** The address claims the container may hold (src/lxc/claim-list.ts). */
export function claimListFile(lxcpath: string, name: string): string {
  return path.join(lxcpath, name, 'locker-claims');
}
