// set-network: the container's first interface gets its bridge, its MAC for life and its planned
// addresses, configured by LXC before init. The address is claimed on the host first (atomically, so two
// plans cannot both take it); on lxcbr0 that claim is also the DHCP reservation of the MAC, so the
// container's own DHCP client asks for, and gets, the same address. An old address is given back.

import { LockerError } from '../../src/errors.js';
import {
  claimAddress,
  forwardDataPath,
  forwardHookPath,
  giveBackAddresses,
  knownDhcpServers,
  readClaimList,
  readLeases,
  releaseLease,
  releaseClaims,
  writeClaimList,
  type AddressClaim,
  type ClaimRef,
} from '../../src/lxc/index.js';
import { FORWARD_HOOK_SCRIPT } from '../forward-hook-script.js';
import { keptBlock, updateBlock } from '../managed-block.js';
import { removeOwnFile, writeFileIfChanged } from '../write-file-if-changed.js';
import { adopted, done, type ActionRunner } from './context.js';

export const runSetNetwork: ActionRunner<'set-network'> = async (ctx, params) => {
  const { lxcpath, action, addressDir } = ctx;
  const name = action.lxcName;
  const { reserve, previousMac: _previous, ...network } = params;
  if (reserve) {
    // dnsmasq would not give a reserved address away while another MAC holds a lease on it; unless that
    // MAC is the container's own from before Locker fixed it (the plan names it): given back.
    const servers = (await knownDhcpServers()).filter((s) => s.bridges.includes(params.bridge));
    const other = (await readLeases(Math.floor(Date.now() / 1000), servers)).find((l) => l.ip === params.ipv4 && l.mac !== params.mac);
    if (other !== undefined && other.mac === params.previousMac) await releaseLease(params.bridge, other);
    else if (other !== undefined) {
      throw new LockerError('HOST_PRECONDITION', `address ${params.ipv4} is leased to ${other.mac}${other.hostname === '*' ? '' : ` (${other.hostname})`} by the DHCP server of ${params.bridge}`, {
        hint: 'another machine took it after this plan was made: run `locker plan` again, or give that lease back (dhcp_release) if its holder is gone',
      });
    }
  }
  const claim = { bridge: params.bridge, ip: params.ipv4, mac: params.mac, host: action.host, lxcpath, container: name };
  // The container's list of its claims names this one before it is made (see src/lxc/claim-list.ts).
  const listed = await readClaimList(claim);
  const isThis = (r: ClaimRef) => r.bridge === claim.bridge && r.ip === claim.ip;
  if (!listed?.some(isThis)) await writeClaimList(claim, [...(listed ?? []), claim]);
  const claimed = await claimAddress(claim, addressDir);
  if (claimed.replaced !== undefined) await giveBackAddresses([claimed.replaced]);
  const hook = forwardHookPath(lxcpath, name);
  const hookChanged = await writeFileIfChanged(hook, FORWARD_HOOK_SCRIPT, 0o755);
  let addressChanged = false;
  let addressedBefore = false;
  const blockChanged = await updateBlock(lxcpath, action, (update) => {
    const before = update.own ? update.current?.network : undefined;
    addressedBefore = before !== undefined;
    addressChanged = before !== undefined && (before.ipv4 !== network.ipv4 || before.ipv6?.address !== network.ipv6?.address);
    return { ...keptBlock(update, action), network, forwardHookPath: hook };
  });
  // Rules recorded for the old address would be put back by the hook at the next start: forward-ports rewrites them.
  if (addressChanged) await removeOwnFile(forwardDataPath(lxcpath, name));
  // No list and never addressed: a new container, with no claim but the one just made.
  const released = listed === undefined && !addressedBefore ? [] : await releaseOldAddresses(claim, addressDir, listed);
  if (listed?.some((r) => !isThis(r))) await writeClaimList(claim, [claim]);
  const changed = claimed.outcome === 'done' || hookChanged || blockChanged || released.length > 0;
  const what = `${name} has ${params.ipv4}${params.ipv6 === undefined ? '' : ` and ${params.ipv6.address}`} on ${params.bridge} (MAC ${params.mac})`;
  return changed ? done(released.length > 0 ? `${what}; gave back ${released.join(', ')}` : what) : adopted(what);
};

/**
 * The container's other claims (an address it had before), their reservations and their leases: those
 * its list names, or (a container addressed before it had a list) every claim that names it.
 */
async function releaseOldAddresses(claim: AddressClaim, addressDir: string, listed: readonly ClaimRef[] | undefined): Promise<string[]> {
  const old = await releaseClaims(claim, addressDir, claim, listed);
  await giveBackAddresses(old);
  return old.map((c) => c.ip);
}
