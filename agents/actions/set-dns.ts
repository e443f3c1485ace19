// set-dns: the container's nameservers in Locker's block of its /etc/resolv.conf (the rest of the file
// kept), recorded in its config block. A running container gets them at once, from inside: no restart.

import { containerState, parseDnsBlock, readContainerResolv, renderResolvConf, writeContainerResolv } from '../../src/lxc/index.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runSetDns: ActionRunner<'set-dns'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  const running = (await containerState(lxcpath, name)) === 'RUNNING';
  const text = await readContainerResolv(lxcpath, name, running);
  const have = parseDnsBlock(text);
  const want = params.nameservers;
  const fileChanged = !(have === undefined ? want.length === 0 : have.length === want.length && have.every((n, i) => n === want[i]));
  if (fileChanged) await writeContainerResolv(lxcpath, name, renderResolvConf(text, want), running);
  // Recorded after the file: a failed write leaves the record saying the file still needs it.
  const blockChanged = await updateBlock(lxcpath, action, (update) => {
    const { dns: _old, ...rest } = keptBlock(update, action);
    return want.length > 0 ? { ...rest, dns: [...want] } : rest;
  });
  const what = want.length === 0 ? `${name} has no nameservers from Locker` : `${name} resolves through ${want.join(', ')}${running ? ' (set live)' : ''}`;
  return fileChanged || blockChanged ? done(what) : adopted(what);
};
