// Destroying a stopped container: its directory under the lxcpath goes, host volumes stay.
// Refuses a running container (bind mounts are live then) and never uses -s or -f.

import { LockerError } from '../errors.js';
import { containerState } from './container-state.js';
import { runLxc } from './run-lxc.js';

/**
 * lxc-destroy itself refuses a container that is not stopped, under LXC's own lock (so no state can
 * change between a check and the destroy); only when it refuses is the state read, to say why.
 */
export async function destroyContainer(lxcpath: string, name: string): Promise<void> {
  try {
    await runLxc('lxc-destroy', ['-P', lxcpath, '-n', name], { retryable: false });
  } catch (e) {
    if (!(e instanceof LockerError)) throw e;
    if (e.detail?.includes('has clones')) {
      throw new LockerError(e.code, `${name} still has snapshot clones`, {
        hint: 'destroy its clones first',
        detail: e.detail,
        cause: e,
      });
    }
    const state = await containerState(lxcpath, name);
    if (state !== 'STOPPED') {
      throw new LockerError('HOST_PRECONDITION', `refusing to destroy ${name}: it is ${state}, not STOPPED`, {
        hint: state === 'MISSING' ? undefined : `stop it first: lxc-stop -P ${lxcpath} -n ${name}`,
        retryable: state === 'STOPPING',
        detail: e.detail,
      });
    }
    throw e;
  }
}
