// set-autostart: whether the host's boot starts the container (LXC's lxc.start.auto in the onboot group),
// and where in the boot's start order, so that what it depends on starts first.

import { keptBlock, updateBlock } from '../managed-block.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runSetAutostart: ActionRunner<'set-autostart'> = async ({ lxcpath, action }, params) => {
  const changed = await updateBlock(lxcpath, action, (update) => {
    const { autostartOrder: _old, ...rest } = keptBlock(update, action);
    return params.autostart ? { ...rest, autostartOrder: params.order } : rest;
  });
  const what = params.autostart ? `${action.lxcName} starts at boot (order ${params.order})` : `${action.lxcName} does not start at boot`;
  return changed ? done(what) : adopted(what);
};
