// Stopping a container the compose way: ask init to shut down cleanly, kill it when it is still running
// after the timeout, and say which of the two happened. Measured with busybox: a clean stop ~2 s, `-k` ~50 ms.

import { DEFAULT_STOP_TIMEOUT_S } from '../rules/stop-timeout.js';
import { runLxc } from './run-lxc.js';

export { DEFAULT_STOP_TIMEOUT_S };

/** lxc-stop's exit code when the container exists but is not running (a missing one gives 1). */
const NOT_RUNNING = 2;
/** lxc-stop --nokill's exit code when the clean request was sent but the container did not stop in time. */
const STILL_RUNNING = 1;

/**
 * `not-running`: it was stopped already; `clean`: init shut down in time; `killed`: it was killed (after
 * the timeout, or at once for 0).
 */
export type StopOutcome = 'not-running' | 'clean' | 'killed';

/**
 * `timeoutSeconds` 0 kills at once, without a clean request. Otherwise a clean request with `--nokill`
 * (lxc-stop's own kill after the timeout would not tell us it killed), then `-k` if init is still there.
 */
export async function stopContainer(lxcpath: string, name: string, timeoutSeconds = DEFAULT_STOP_TIMEOUT_S): Promise<StopOutcome> {
  const base = ['-P', lxcpath, '-n', name];
  if (timeoutSeconds > 0) {
    const asked = await runLxc('lxc-stop', [...base, '-t', String(Math.ceil(timeoutSeconds)), '--nokill'], {
      retryable: true,
      timeoutMs: (timeoutSeconds + 30) * 1000,
      okExitCodes: [STILL_RUNNING, NOT_RUNNING],
    });
    if (asked.exitCode === NOT_RUNNING) return 'not-running';
    if (asked.exitCode !== STILL_RUNNING) return 'clean';
  }
  const killed = await runLxc('lxc-stop', [...base, '-k'], { retryable: true, timeoutMs: 30_000, okExitCodes: [NOT_RUNNING] });
  if (killed.exitCode !== NOT_RUNNING) return 'killed';
  // Not running at the kill: it went down by itself after the timeout, or was never up (-t 0).
  return timeoutSeconds > 0 ? 'clean' : 'not-running';
}
