// clone: a copy (or overlay snapshot) of a stopped origin, unless the clone already exists (adopted).
// lxc-copy runs first: it refuses a missing or running origin itself, creating nothing; the origin's state
// is asked (lxc-info) only then, to say why. One program per clone.

import { LockerError } from '../../src/errors.js';
import { cloneContainer, containerExists, containerState } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runClone: ActionRunner<'clone'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) return adopted(`${name} already exists`);
  try {
    await cloneContainer(lxcpath, params.origin, name, params.snapshot);
  } catch (e) {
    // If even the state cannot be read, lxc-copy's own error says more.
    throw (await originRefusal(lxcpath, name, params.origin).catch(() => undefined)) ?? e;
  }
  return done(`${params.snapshot ? 'snapshot-cloned' : 'copied'} ${name} from ${params.origin}`);
};

/** Why lxc-copy refused, when the origin's state says: its own message is empty for a running origin. */
async function originRefusal(lxcpath: string, name: string, origin: string): Promise<LockerError | undefined> {
  const originState = await containerState(lxcpath, origin);
  if (originState === 'MISSING') {
    return new LockerError('HOST_PRECONDITION', `cannot clone ${name}: origin ${origin} does not exist`);
  }
  if (originState !== 'STOPPED') {
    // The plan stops the origin first; something started it since.
    return new LockerError('HOST_PRECONDITION', `cannot clone ${name}: origin ${origin} is ${originState}`, {
      hint: `stop ${origin} first`,
      retryable: true,
    });
  }
  return undefined;
}
