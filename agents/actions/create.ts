// create: a container from a template, unless one of that name already exists (adopted). A container
// whose lxc-create is still at work (left running by a control point or agent that was killed) is
// waited for, never adopted half-made; one whose lxc-create was cut short is refused.

import { LockerError } from '../../src/errors.js';
import { containerExists, createContainer, partialMarkerPath, waitForCreation } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runCreate: ActionRunner<'create'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) {
    if ((await waitForCreation(lxcpath, name)) === 'interrupted') {
      throw new LockerError('HOST_PRECONDITION', `${name} was left half-created: its lxc-create was interrupted`, {
        hint: `remove it with \`lxc-destroy -P ${lxcpath} -n ${name}\` (${partialMarkerPath(lxcpath, name)} marks it unfinished), then retry`,
      });
    }
    // A creation that failed removes the container: then it is created here.
    if (await containerExists(lxcpath, name)) return adopted(`${name} already exists`);
  }
  await createContainer(lxcpath, name, params.template, params.args);
  return done(`created ${name} from template ${params.template}`);
};
