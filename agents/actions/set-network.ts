// set-network: the container's first interface gets its bridge, its MAC for life and its planned
// addresses, configured by LXC before init. The address is claimed on the host first (atomically, so two
// plans cannot both take it); on lxcbr0 that claim is also the DHCP reservation of the MAC, so the
// container's own DHCP client asks for, and gets, the same address. An old address is given back.

import { LockerError } from '../../src/errors.js';
import {
  claimAddress,
  findDhcpServers,
  forwardDataPath,
  forwardHookPath,
  giveBackAddresses,
  readLeases,
  releaseLease,
  releaseClaims,
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
    const servers = (await findDhcpServers()).filter((s) => s.bridges.includes(params.bridge));
    const other = (await readLeases(Math.floor(Date.now() / 1000), servers)).find((l) => l.ip === params.ipv4 && l.mac !== params.mac);
    if (other !== undefined && other.mac === params.previousMac) await releaseLease(params.bridge, other);
    else if (other !== undefined) {
      throw new LockerError('HOST_PRECONDITION', `address ${params.ipv4} is leased to ${other.mac}${other.hostname === '*' ? '' : ` (${other.hostname})`} by the DHCP server of ${params.bridge}`, {
        hint: 'another machine took it after this plan was made: run `locker plan` again, or give that lease back (dhcp_release) if its holder is gone',
      });
    }
  }
  const claim = { bridge: params.bridge, ip: params.ipv4, mac: params.mac, host: action.host, lxcpath, container: name };
  const claimed = await claimAddress(claim, addressDir);
  if (claimed.replaced !== undefined) await giveBackAddresses([claimed.replaced]);
  const hook = forwardHookPath(lxcpath, name);
  const hookChanged = await writeFileIfChanged(hook, FORWARD_HOOK_SCRIPT, 0o755);
  let addressChanged = false;
  const blockChanged = await updateBlock(lxcpath, action, (update) => {
    const before = update.own ? update.current?.network : undefined;
    addressChanged = before !== undefined && (before.ipv4 !== network.ipv4 || before.ipv6?.address !== network.ipv6?.address);
    return { ...keptBlock(update, action), network, forwardHookPath: hook };
  });
  // Rules recorded for the old address would be put back by the hook at the next start: forward-ports rewrites them.
  if (addressChanged) await removeOwnFile(forwardDataPath(lxcpath, name));
  const released = await releaseOldAddresses(ctx.lxcpath, name, addressDir, claim);
  const changed = claimed.outcome === 'done' || hookChanged || blockChanged || released.length > 0;
  const what = `${name} has ${params.ipv4}${params.ipv6 === undefined ? '' : ` and ${params.ipv6.address}`} on ${params.bridge} (MAC ${params.mac})`;
  return changed ? done(released.length > 0 ? `${what}; gave back ${released.join(', ')}` : what) : adopted(what);
};

/** The container's other claims (an address it had before), their reservations and their leases. */
async function releaseOldAddresses(
  lxcpath: string,
  container: string,
  addressDir: string,
  keep: { bridge: string; ip: string },
): Promise<string[]> {
  const old = await releaseClaims({ lxcpath, container }, addressDir, keep);
  await giveBackAddresses(old);
  return old.map((c) => c.ip);
}

