// Freezing and thawing a container: lxc-freeze / lxc-unfreeze suspend and resume all of its processes.
// Seen on LXC 5.0.2: both return 0 on a container already in the asked state; lxc-freeze of a stopped one exits 1.

import { runLxc } from './run-lxc.js';

export async function freezeContainer(lxcpath: string, name: string): Promise<void> {
  await runLxc('lxc-freeze', ['-P', lxcpath, '-n', name], { retryable: true, timeoutMs: 30_000 });
}

export async function unfreezeContainer(lxcpath: string, name: string): Promise<void> {
  await runLxc('lxc-unfreeze', ['-P', lxcpath, '-n', name], { retryable: true, timeoutMs: 30_000 });
}
