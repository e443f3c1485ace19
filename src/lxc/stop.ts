// Stopping a container the docker way: ask init to shut down cleanly, kill it after a timeout.
// Measured with busybox: a clean stop takes ~3 s (init's TERM, wait, KILL), `-k` ~50 ms.

import { runLxc } from './run-lxc.js';

/** lxc-stop's own default is 60 s; docker's is 10 s, which a clean busybox stop fits in. */
export const DEFAULT_STOP_TIMEOUT_S = 10;

/** `timeoutSeconds` 0 kills at once; otherwise lxc-stop itself kills when the clean stop overruns. */
export async function stopContainer(lxcpath: string, name: string, timeoutSeconds = DEFAULT_STOP_TIMEOUT_S): Promise<void> {
  const how = timeoutSeconds <= 0 ? ['-k'] : ['-t', String(Math.ceil(timeoutSeconds))];
  await runLxc('lxc-stop', ['-P', lxcpath, '-n', name, ...how], {
    retryable: true,
    timeoutMs: (Math.max(timeoutSeconds, 0) + 30) * 1000,
  });
}
