// install-hostname-hook: the container is named after its fqdn's first label, and its /etc/hostname and
// /etc/hosts follow at every start. Without an fqdn, Locker's hook and its lines are removed.

import { fqdnDataPath, hookPath } from '../../src/lxc/index.js';
import { HOSTNAME_HOOK_SCRIPT } from '../hostname-hook-script.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { removeOwnFile, writeFileIfChanged } from '../write-file-if-changed.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runInstallHostnameHook: ActionRunner<'install-hostname-hook'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  const hook = hookPath(lxcpath, name);
  const data = fqdnDataPath(lxcpath, name);
  const { fqdn } = params;
  if (fqdn !== undefined) {
    // Files first: the config must never point at a hook that is not there yet.
    const dataChanged = await writeFileIfChanged(data, `${fqdn}\n`, 0o644);
    const hookChanged = await writeFileIfChanged(hook, HOSTNAME_HOOK_SCRIPT, 0o755);
    const blockChanged = await updateBlock(lxcpath, action, (update) => ({ ...keptBlock(update, action), fqdn, hookPath: hook }));
    return dataChanged || hookChanged || blockChanged
      ? done(`${name} is named ${fqdn}`)
      : adopted(`${name} is already named ${fqdn}`);
  }
  // No block yet: nothing to remove, and no reason to start one.
  const blockChanged = await updateBlock(lxcpath, action, (update) => {
    if (update.current === undefined) return undefined;
    const { fqdn: _fqdn, hookPath: _hook, ...rest } = keptBlock(update, action);
    return rest;
  });
  const hookRemoved = await removeOwnFile(hook);
  const dataRemoved = await removeOwnFile(data);
  return blockChanged || hookRemoved || dataRemoved
    ? done(`removed the hostname hook of ${name}`)
    : adopted(`${name} has no hostname hook`);
};
