// create: a container from a template, unless one of that name already exists (adopted).

import { containerExists, createContainer } from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runCreate: ActionRunner<'create'> = async ({ lxcpath, action }, params) => {
  const name = action.lxcName;
  if (await containerExists(lxcpath, name)) return adopted(`${name} already exists`);
  await createContainer(lxcpath, name, params.template, params.args);
  return done(`created ${name} from template ${params.template}`);
};
