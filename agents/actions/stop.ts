// stop: STOPPED (or gone) already is adopted; otherwise a clean stop, killed after the timeout.

import { containerState, stopContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runStop: ActionRunner<'stop'> = async ({ lxcpath, action, stopTimeoutSeconds }) => {
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state === 'STOPPED') return adopted(`${name} is already stopped`);
  if (state === 'MISSING') return adopted(`${name} does not exist`);
  await stopContainer(lxcpath, name, stopTimeoutSeconds);
  return done(`stopped ${name}`);
};
