// freeze / unfreeze: one lxc-info for the state, then lxc-freeze or lxc-unfreeze only when it changes anything.
// Freezing what does not run is refused (nothing to suspend; not retryable); thawing what is not frozen is adopted.

import { LockerError } from '../../src/errors.js';
import { containerState, freezeContainer, unfreezeContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runFreeze: ActionRunner<'freeze'> = async ({ lxcpath, action }) => {
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state === 'FROZEN') return adopted(`${name} is already frozen`);
  if (state !== 'RUNNING') {
    throw new LockerError('HOST_PRECONDITION', `cannot freeze ${name}: it is ${state}`, {
      hint: 'only a running container can be frozen; start it first',
      // STARTING or STOPPING settle by themselves; STOPPED or MISSING do not.
      retryable: state === 'STARTING' || state === 'STOPPING',
    });
  }
  await freezeContainer(lxcpath, name);
  return done(`froze ${name}`);
};

export const runUnfreeze: ActionRunner<'unfreeze'> = async ({ lxcpath, action }) => {
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state !== 'FROZEN') return adopted(`${name} is not frozen (${state})`);
  await unfreezeContainer(lxcpath, name);
  return done(`unfroze ${name}`);
};
