// start: RUNNING already is adopted; otherwise lxc-start and wait for RUNNING.

import { LockerError } from '../../src/errors.js';
import { containerState, startContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runStart: ActionRunner<'start'> = async ({ lxcpath, action }) => {
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state === 'RUNNING') return adopted(`${name} is already running`);
  if (state === 'MISSING') throw new LockerError('HOST_PRECONDITION', `cannot start ${name}: it does not exist`);
  await startContainer(lxcpath, name);
  return done(`started ${name}`);
};
