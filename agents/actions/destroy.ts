// destroy: a missing container is adopted; a running one is refused (its bind mounts are live).
// Host volume folders are never touched: only the container's own directory goes. Its addresses go with
// it at once: the claims, their DHCP reservations, and every lease its MAC holds; so does its uid range.

import {
  containerExists,
  destroyContainer,
  giveBackAddresses,
  LXC_NET_BRIDGE,
  parseConfiguredInterface,
  parseIdmap,
  readClaimList,
  readConfig,
  releaseClaims,
  releaseRange,
  slotOf,
} from '../../src/lxc/index.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runDestroy: ActionRunner<'destroy'> = async ({ lxcpath, action, addressDir, rangesDir }) => {
  const name = action.lxcName;
  const text = await readConfig(lxcpath, name);
  const mac = text === undefined ? undefined : parseConfiguredInterface(text).mac;
  const existed = await containerExists(lxcpath, name);
  // Its list of claims goes with its directory: read first. Without one, every claim is looked at.
  const listed = await readClaimList({ lxcpath, container: name });
  // lxc-destroy refuses anything but STOPPED; destroyContainer says which state it found.
  if (existed) await destroyContainer(lxcpath, name);
  // After the destroy, so a refused one keeps its address; also when it was gone already (a crash in between).
  const claims = await releaseClaims({ lxcpath, container: name }, addressDir, undefined, listed);
  // Its uid range: free once no clone of its family holds it.
  const slot = text === undefined ? undefined : slotOf(parseIdmap(text)?.uidBase ?? -1);
  if (slot !== undefined) await releaseRange(slot, { lxcpath, container: name }, rangesDir);
  // The MAC of its config too: a container Locker addressed before may hold a lease without a claim.
  await giveBackAddresses([...claims, ...(mac === undefined ? [] : [{ bridge: LXC_NET_BRIDGE, mac }])]);
  const freed = claims.length === 0 ? '' : `; gave back ${claims.map((c) => c.ip).join(', ')}`;
  return existed ? done(`destroyed ${name}${freed}`) : adopted(`${name} does not exist${freed}`);
};
