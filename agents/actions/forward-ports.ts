// forward-ports / unforward-ports: the container's Locker netfilter rules, through src/net, and the data
// of its forward hook, which puts the same rules back whenever the container starts without Locker.
// The planned address is known before the start; a container Locker does not address yet is waited for.

import { LockerError } from '../../src/errors.js';
import { containerState, forwardDataPath, waitForAddresses, waitIpv4 } from '../../src/lxc/index.js';
import { renderHookData } from '../../src/net/index.js';
import { removeOwnFile, writeFileIfChanged } from '../write-file-if-changed.js';
import { done, adopted, type ActionRunner } from './context.js';

export const runForwardPorts: ActionRunner<'forward-ports'> = async (ctx, params) => {
  const { lxcpath, action, net } = ctx;
  const name = action.lxcName;
  const state = await containerState(lxcpath, name);
  if (state !== 'RUNNING') {
    throw new LockerError('HOST_PRECONDITION', `cannot forward ports to ${name}: it is ${state}`, {
      hint: 'ports are forwarded after the container starts',
      retryable: state === 'STARTING',
    });
  }
  let targetIp = params.targetIp;
  if (targetIp === undefined) [targetIp] = await waitIpv4(lxcpath, name, { timeoutMs: ctx.ipv4TimeoutMs });
  else await waitForAddresses(lxcpath, name, [targetIp, ...(params.targetIp6 === undefined ? [] : [params.targetIp6])], { timeoutMs: ctx.ipv4TimeoutMs });
  const forward = {
    host: action.host,
    project: action.project,
    container: action.container,
    targetIp: targetIp!,
    ...(params.targetIp6 === undefined ? {} : { targetIp6: params.targetIp6 }),
    ports: params.ports,
  };
  const outcome = await net.setForwards(forward);
  // Only an address Locker planned is worth replaying at the next start: a DHCP one may change.
  const data = forwardDataPath(lxcpath, name);
  const hookChanged = params.targetIp === undefined ? await removeOwnFile(data) : await writeFileIfChanged(data, renderHookData(forward), 0o644);
  const what = `${params.ports.length} port(s) of ${name} to ${targetIp}${params.targetIp6 === undefined ? '' : ` and ${params.targetIp6}`}`;
  return outcome === 'adopted' && !hookChanged ? adopted(`already forwarding ${what}`) : done(`forwarding ${what}`);
};

export const runUnforwardPorts: ActionRunner<'unforward-ports'> = async ({ lxcpath, action, net }) => {
  // The hook's data first: a start in between must not put back what is being removed.
  const hookChanged = await removeOwnFile(forwardDataPath(lxcpath, action.lxcName));
  const outcome = await net.removeForwards({ host: action.host, project: action.project, container: action.container });
  return outcome === 'adopted' && !hookChanged ? adopted(`no forwards of ${action.lxcName}`) : done(`removed forwards of ${action.lxcName}`);
};
