// create: a container from a template, unless one of that name already exists (adopted). A container
// whose lxc-create is still at work (left running by a control point or agent that was killed) is
// waited for, never adopted half-made; one whose lxc-create was cut short is refused.
// Unprivileged: a range of Locker's block is claimed first and given back when lxc-create fails.

import { LockerError } from '../../src/errors.js';
import {
  assertTraversableByOthers,
  claimRange,
  containerExists,
  createContainer,
  ensureSubordinateRanges,
  parseIdmap,
  partialMarkerPath,
  readConfig,
  releaseRange,
  slotOf,
  waitForCreation,
} from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runCreate: ActionRunner<'create'> = async ({ lxcpath, action, rangesDir }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) {
    if ((await waitForCreation(lxcpath, name)) === 'interrupted') {
      throw new LockerError('HOST_PRECONDITION', `${name} was left half-created: its lxc-create was interrupted`, {
        hint: `remove it with \`lxc-destroy -P ${lxcpath} -n ${name}\` (${partialMarkerPath(lxcpath, name)} marks it unfinished), then retry`,
      });
    }
    // A creation that failed removes the container: then it is created here.
    if (await containerExists(lxcpath, name)) {
      const map = parseIdmap((await readConfig(lxcpath, name)) ?? '');
      if ((map !== undefined) !== (params.unprivileged === true)) {
        throw new LockerError('HOST_PRECONDITION', `${name} exists ${map === undefined ? 'privileged' : 'unprivileged'}, but the job asks for ${params.unprivileged ? 'an unprivileged' : 'a privileged'} one`, {
          hint: 'plan again: the plan shows what to do about it',
        });
      }
      return adopted(`${name} already exists`);
    }
  }
  if (params.unprivileged !== true) {
    await createContainer(lxcpath, name, params.template, params.args);
    return done(`created ${name} from template ${params.template}`);
  }
  await assertTraversableByOthers(lxcpath, `its rootfs under ${lxcpath}`);
  await ensureSubordinateRanges();
  const holder = { lxcpath, container: name };
  const base = await claimRange(holder, rangesDir);
  try {
    await createContainer(lxcpath, name, params.template, params.args, { idmapBase: base });
  } catch (e) {
    await releaseRange(slotOf(base)!, holder, rangesDir);
    throw e;
  }
  return done(`created ${name} from template ${params.template}, unprivileged: root inside is uid ${base} on the host`);
};
