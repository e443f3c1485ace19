// stop: STOPPED (or gone) already is adopted; otherwise a clean stop, killed after the job's timeout.
// A kill after the timeout succeeds, with a warning: the container's init ignored the request. One
// lxc-stop tells a stopped container from a running one: no lxc-info first.

import { DEFAULT_STOP_TIMEOUT_S } from '../../src/rules/stop-timeout.js';
import { containerExists, stopContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runStop: ActionRunner<'stop'> = async ({ lxcpath, action }, { timeoutSeconds = DEFAULT_STOP_TIMEOUT_S }) => {
  const name = action.lxcName;
  if (!(await containerExists(lxcpath, name))) return adopted(`${name} does not exist`);
  const outcome = await stopContainer(lxcpath, name, timeoutSeconds);
  if (outcome === 'not-running') return adopted(`${name} is already stopped`);
  if (outcome === 'clean') return done(`stopped ${name}`);
  if (timeoutSeconds === 0) return done(`killed ${name} at once (timeout 0 s)`);
  const warning = `did not stop within ${timeoutSeconds} s: killed`;
  return { outcome: 'done', detail: `stopped ${name}: ${warning}`, warning };
};
