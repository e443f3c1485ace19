// The state of one container: MISSING when its lxcpath has no such container.
// One lxc-info run at most; existence is read from the filesystem.

import { access } from 'node:fs/promises';
import type { ContainerState } from '../../plans/observed.js';
import { configPath } from './container-paths.js';
import { runLxc } from './run-lxc.js';

export type ContainerPresence = ContainerState | 'MISSING';

const STATES: ReadonlySet<string> = new Set(['RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'FROZEN', 'ABORTING']);

export async function containerExists(lxcpath: string, name: string): Promise<boolean> {
  try {
    await access(configPath(lxcpath, name));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

export async function containerState(lxcpath: string, name: string): Promise<ContainerPresence> {
  if (!(await containerExists(lxcpath, name))) return 'MISSING';
  const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-sH'], { retryable: true });
  const state = stdout.trim();
  return STATES.has(state) ? (state as ContainerState) : 'UNKNOWN';
}
