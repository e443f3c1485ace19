// write-links: the names a container's links resolve to, in a block of its /etc/hosts. The data file and
// the hook write them at every start; a running container gets them at once, written from inside it.

import { linksDataPath, linksHookPath, parseLinksBlock, renderLinkLines, runLxc } from '../../src/lxc/index.js';
import { containerState } from '../../src/lxc/index.js';
import { LINKS_HOOK_SCRIPT, LINKS_LIVE_SCRIPT } from '../links-hook-script.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { writeFileIfChanged } from '../write-file-if-changed.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runWriteLinks: ActionRunner<'write-links'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  const lines = renderLinkLines(params.entries);
  const hook = linksHookPath(lxcpath, name);
  // Files first: the config must never point at a hook that is not there yet.
  const dataChanged = await writeFileIfChanged(linksDataPath(lxcpath, name), lines, 0o644);
  const hookChanged = await writeFileIfChanged(hook, LINKS_HOOK_SCRIPT, 0o755);
  const blockChanged = await updateBlock(lxcpath, action, (update) => ({ ...keptBlock(update, action), linksHookPath: hook }));
  let liveChanged = false;
  if ((await containerState(lxcpath, name)) === 'RUNNING') {
    const attach = ['-P', lxcpath, '-n', name, '--clear-env', '--'];
    const { stdout } = await runLxc('lxc-attach', [...attach, 'cat', '/etc/hosts'], { retryable: true, okExitCodes: [1] });
    const want = params.entries.map((e) => `${e.ip} ${e.names.join(' ')}`);
    const have = parseLinksBlock(stdout);
    if (want.join('\n') !== have.join('\n')) {
      await runLxc('lxc-attach', [...attach, '/bin/sh', '-c', LINKS_LIVE_SCRIPT], { retryable: true, input: lines });
      liveChanged = true;
    }
  }
  const what = params.entries.length === 0 ? `${name} has no links` : `${name} resolves ${params.entries.flatMap((e) => e.names).join(', ')}`;
  return dataChanged || hookChanged || blockChanged || liveChanged ? done(what) : adopted(what);
};
