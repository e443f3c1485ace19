// start: lxc-start, which returns once the container is RUNNING; RUNNING already is adopted.
// The state is asked (lxc-info) only when lxc-start says the container is not stopped: one program per start.

import { LockerError } from '../../src/errors.js';
import { containerExists, containerState, startContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runStart: ActionRunner<'start'> = async ({ lxcpath, action }) => {
  const name = action.lxcName;
  if (!(await containerExists(lxcpath, name))) throw new LockerError('HOST_PRECONDITION', `cannot start ${name}: it does not exist`);
  if ((await startContainer(lxcpath, name)) === 'started') return done(`started ${name}`);
  const state = await containerState(lxcpath, name);
  if (state === 'RUNNING') return adopted(`${name} is already running`);
  throw new LockerError('HOST_PRECONDITION', `cannot start ${name}: it is ${state}`, {
    hint: state === 'FROZEN' ? `unfreeze it first: lxc-unfreeze -P ${lxcpath} -n ${name}` : 'wait until it has settled, then retry',
    retryable: state !== 'FROZEN',
  });
};
