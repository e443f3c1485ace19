// An agent checks an exec request on its own, as it checks a job: names by the spec loader's rules, the
// LXC name that follows from them, and an argv of plain strings. Pure; whether the container is the
// project's and runs is asked of the host afterwards (agents/exec-in-container.ts).

import { LockerError } from '../src/errors.js';
import { CONTAINER_NAME, describeBadArgv, describeLxcNameLength, PROJECT_NAME } from '../src/rules/index.js';
import type { ExecRequest } from '../src/transport/types.js';
import { show } from './validate-job.js';

export function validateExec(request: ExecRequest): void {
  const { project, container, lxcName, argv } = request;
  if (typeof project !== 'string' || !PROJECT_NAME.test(project)) throw refused(`project name ${show(project)} is not allowed`);
  if (typeof container !== 'string' || !CONTAINER_NAME.test(container)) throw refused(`container name ${show(container)} is not allowed`);
  if (lxcName !== `${project}_${container}`) throw refused(`lxc name ${show(lxcName)} is not "${project}_${container}"`);
  const tooLong = describeLxcNameLength(project, container);
  if (tooLong !== undefined) throw refused(tooLong);
  const bad = describeBadArgv(argv);
  if (bad !== undefined) throw refused(`the command ${bad}`);
}

function refused(what: string): LockerError {
  return new LockerError('MESSAGE_INVALID', `exec request refused: ${what}`, {
    hint: 'the agent checks every request itself; nothing ran',
  });
}
