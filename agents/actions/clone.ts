// clone: a copy (or overlay snapshot) of a stopped origin, unless the clone already exists (adopted).
// lxc-copy runs first: it refuses a missing or running origin itself, creating nothing; the origin's state
// is asked (lxc-info) only then, to say why. One program per clone.
// A clone shares its origin's uid map (lxc-copy copies it; the rootfs is owned by the mapped ids): the
// job says whether the origin must be unprivileged, and the clone joins the origin's range.

import { LockerError } from '../../src/errors.js';
import { cloneContainer, containerExists, containerState, joinRange, parseIdmap, readConfig, releaseRange, slotOf } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runClone: ActionRunner<'clone'> = async ({ lxcpath, action, rangesDir }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) return adopted(`${name} already exists`);
  const originText = await readConfig(lxcpath, params.origin);
  const map = originText === undefined ? undefined : parseIdmap(originText);
  if (originText !== undefined && (map !== undefined) !== (params.unprivileged === true)) {
    throw new LockerError(
      'HOST_PRECONDITION',
      `cannot clone ${name}: origin ${params.origin} is ${map === undefined ? 'privileged' : 'unprivileged'}, the clone must be ${params.unprivileged ? 'unprivileged' : 'privileged'}`,
      { hint: `a clone shares its origin's uid map: set \`unprivileged: ${map !== undefined}\` on the clone, or create it from a template` },
    );
  }
  const slot = map === undefined ? undefined : slotOf(map.uidBase);
  const holder = { lxcpath, container: name };
  if (slot !== undefined) await joinRange(slot, holder, rangesDir);
  try {
    await cloneContainer(lxcpath, params.origin, name, params.snapshot);
  } catch (e) {
    if (slot !== undefined) await releaseRange(slot, holder, rangesDir);
    // If even the state cannot be read, lxc-copy's own error says more.
    throw (await originRefusal(lxcpath, name, params.origin).catch(() => undefined)) ?? e;
  }
  const shared = map === undefined ? '' : `, unprivileged: root inside is uid ${map.uidBase} on the host (its origin's range)`;
  return done(`${params.snapshot ? 'snapshot-cloned' : 'copied'} ${name} from ${params.origin}${shared}`);
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
