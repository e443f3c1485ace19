// Read-modify-write of the Locker block in one container's config, shared by the actions that own parts of it.
// Writes only when the text changes, so a repeated job is reported as adopted.

import type { PlannedAction } from '../plans/types.js';
import { LockerError } from '../src/errors.js';
import { configPath, parseLockerBlock, readConfig, renderConfig, writeConfig, type LockerBlock } from '../src/lxc/index.js';

export interface BlockUpdate {
  /** The block as the config holds it, undefined when there is none. */
  current?: LockerBlock;
  /** True when `current` was written for this container (a clone inherits its origin's block). */
  own: boolean;
}

/** Applies `change` to the container's block (undefined: no block); returns whether the config file changed. */
export async function updateBlock(
  lxcpath: string,
  action: PlannedAction,
  change: (update: BlockUpdate) => LockerBlock | undefined,
): Promise<boolean> {
  const name = action.lxcName;
  const text = await readConfig(lxcpath, name);
  if (text === undefined) {
    throw new LockerError('HOST_PRECONDITION', `container ${name} does not exist`, {
      hint: 'it must be created before its config is written',
    });
  }
  const current = parseLockerBlock(text, configPath(lxcpath, name));
  const own = current !== undefined && current.project === action.project && current.container === action.container;
  const next = change(current === undefined ? { own } : { current, own });
  // The block always carries the identity of the container it is written into.
  const rendered = renderConfig(text, next && { ...next, project: action.project, container: action.container });
  if (rendered === text) return false;
  await writeConfig(lxcpath, name, rendered);
  return true;
}

/**
 * What an action keeps of the block before it sets its own part: all of it when the block is the
 * container's own; of a block inherited from a clone's origin only the mounts (live config until
 * write-mounts replaces them), never the origin's address, hooks or boot settings.
 */
export function keptBlock(update: BlockUpdate, action: PlannedAction): LockerBlock {
  const { current, own } = update;
  if (own && current !== undefined) return { ...current };
  return { project: action.project, container: action.container, mounts: current?.mounts ?? [] };
}
