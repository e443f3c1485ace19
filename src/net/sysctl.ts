// The kernel switches forwarding needs: IPv4 routing and DNAT of connections from 127.0.0.1, and IPv6
// routing. Only ever sets them to 1; never turns them off (other tools on the host may rely on them).

import { readFile, writeFile } from 'node:fs/promises';
import { LockerError } from '../errors.js';

const IPV4_SWITCHES = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/conf/all/route_localnet'];
/**
 * IPv6 has no route_localnet (a ::1 client cannot be forwarded). Routing is switched on only when an IPv6
 * forward is written: it also makes interfaces with accept_ra=1 ignore router advertisements.
 */
const IPV6_SWITCHES = ['/proc/sys/net/ipv6/conf/all/forwarding'];

/** Sets each switch to 1 (the IPv6 one only when asked); true when one of them was not already on. */
export async function enableForwarding(opts: { ipv6: boolean }): Promise<boolean> {
  let changed = false;
  for (const path of [...IPV4_SWITCHES, ...(opts.ipv6 ? IPV6_SWITCHES : [])]) {
    try {
      if ((await readFile(path, 'utf8')).trim() === '1') continue;
      await writeFile(path, '1\n');
      changed = true;
    } catch (e) {
      throw new LockerError('NET_COMMAND_FAILED', `cannot enable ${path}`, {
        hint: 'port forwarding needs root on the host',
        detail: e instanceof Error ? e.message : String(e),
        cause: e,
      });
    }
  }
  return changed;
}
