// Copying a container: a full copy, or an overlay snapshot that shares the origin's rootfs.
// lxc-copy refuses a running origin (without a word on stderr) and a missing one, creating nothing.

import { runLxc } from './run-lxc.js';

export async function cloneContainer(lxcpath: string, origin: string, name: string, snapshot: boolean): Promise<void> {
  const argv = ['-P', lxcpath, '-n', origin, '-N', name];
  if (snapshot) argv.push('-s', '-B', 'overlayfs');
  await runLxc('lxc-copy', argv, { subject: `${name} (from ${origin})`, retryable: false, timeoutMs: 15 * 60_000 });
}
