// destroy: a missing container is adopted; a running one is refused (its bind mounts are live).
// Host volume folders are never touched: only the container's own directory goes.

import { containerState, destroyContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runDestroy: ActionRunner<'destroy'> = async ({ lxcpath, action }) => {
  const name = action.lxcName;
  if ((await containerState(lxcpath, name)) === 'MISSING') return adopted(`${name} does not exist`);
  // destroyContainer checks the state again and refuses anything but STOPPED.
  await destroyContainer(lxcpath, name);
  return done(`destroyed ${name}`);
};
