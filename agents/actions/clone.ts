// clone: a copy (or overlay snapshot) of a stopped origin, unless the clone already exists (adopted).

import { LockerError } from '../../src/errors.js';
import { cloneContainer, containerExists, containerState } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runClone: ActionRunner<'clone'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) return adopted(`${name} already exists`);
  const originState = await containerState(lxcpath, params.origin);
  if (originState === 'MISSING') {
    throw new LockerError('HOST_PRECONDITION', `cannot clone ${name}: origin ${params.origin} does not exist`);
  }
  if (originState !== 'STOPPED') {
    // lxc-copy fails with no message at all on a running origin; the plan stops it first.
    throw new LockerError('HOST_PRECONDITION', `cannot clone ${name}: origin ${params.origin} is ${originState}`, {
      hint: `stop ${params.origin} first`,
      retryable: true,
    });
  }
  await cloneContainer(lxcpath, params.origin, name, params.snapshot);
  return done(`${params.snapshot ? 'snapshot-cloned' : 'copied'} ${name} from ${params.origin}`);
};
