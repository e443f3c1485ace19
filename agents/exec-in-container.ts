// `locker exec` on the host: the request checked on its own, then the container: it must be one Locker
// made for that project (its config block says so) and be running. Only then lxc-attach runs the argv.

import { LockerError } from '../src/errors.js';
import { attachCommand, containerState, parseLockerBlock, readConfig } from '../src/lxc/index.js';
import type { ExecRequest, ExecResult, ExecSink } from '../src/transport/types.js';
import { validateExec } from './validate-exec.js';

/** The command, ready to run once the request and the container passed every check (which throw). */
export type PreparedExec = (sink: ExecSink) => Promise<ExecResult>;

export async function prepareExec(host: string, lxcpath: string, request: ExecRequest): Promise<PreparedExec> {
  validateExec(request);
  const { project, container, lxcName } = request;
  const config = await readConfig(lxcpath, lxcName);
  if (config === undefined) {
    throw new LockerError('CONTAINER_NOT_FOUND', `container ${container} does not exist on host ${host}`, {
      hint: `create and start it: locker up ${container}`,
    });
  }
  // A container of that name that another project (or somebody by hand) made is not this project's to enter.
  if (parseLockerBlock(config, lxcName)?.project !== project) {
    throw new LockerError('HOST_PRECONDITION', `${lxcName} on host ${host} is not a container Locker made for project ${project}`, {
      hint: 'Locker runs commands only in the containers of the project it manages',
    });
  }
  const state = await containerState(lxcpath, lxcName);
  // lxc-attach into a frozen container hangs until it is thawed: refused, as a stopped one is.
  if (state !== 'RUNNING') {
    throw new LockerError('CONTAINER_NOT_RUNNING', `container ${container} is ${state} on host ${host}`, {
      hint: state === 'FROZEN' ? `thaw it first: locker unfreeze ${container}` : `start it first: locker start ${container}`,
      retryable: state === 'STARTING',
    });
  }
  const argv = [...request.argv];
  return (sink) => attachCommand(lxcpath, lxcName, argv, sink);
}
