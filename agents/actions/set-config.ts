// set-config: the spec's raw LXC keys, last in the container's config so they win over the template's.
// Read by LXC at the next start; the plan says whether that needs a restart. The job was checked key by
// key (validate-job) before this runs; the block renderer refuses a line break in any value once more.

import { keptBlock, updateBlock } from '../managed-block.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runSetConfig: ActionRunner<'set-config'> = async ({ lxcpath, action }, params) => {
  const changed = await updateBlock(lxcpath, action, (update) => {
    const { config: _old, ...rest } = keptBlock(update, action);
    return params.lines.length > 0 ? { ...rest, config: params.lines } : rest;
  });
  const keys = [...new Set(params.lines.map((l) => l.key))];
  const what = keys.length === 0 ? `${action.lxcName} has no raw LXC keys` : `${action.lxcName} has ${keys.join(', ')}`;
  return changed ? done(what) : adopted(what);
};
