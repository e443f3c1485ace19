// forward-ports / unforward-ports: the container's Locker netfilter rules, through src/net.
// Forwarding needs the container's address, so it waits for DHCP first.

import { LockerError } from '../../src/errors.js';
import { containerState, waitIpv4 } from '../../src/lxc/index.js';
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
  const [targetIp] = await waitIpv4(lxcpath, name, { timeoutMs: ctx.ipv4TimeoutMs });
  const outcome = await net.setForwards({
    host: action.host,
    project: action.project,
    container: action.container,
    targetIp: targetIp!,
    ports: params.ports,
  });
  const what = `${params.ports.length} port(s) of ${name} to ${targetIp}`;
  return outcome === 'adopted' ? adopted(`already forwarding ${what}`) : done(`forwarding ${what}`);
};

export const runUnforwardPorts: ActionRunner<'unforward-ports'> = async ({ action, net }) => {
  const outcome = await net.removeForwards({ host: action.host, project: action.project, container: action.container });
  return outcome === 'adopted' ? adopted(`no forwards of ${action.lxcName}`) : done(`removed forwards of ${action.lxcName}`);
};
