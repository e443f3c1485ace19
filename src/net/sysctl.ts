// The two kernel switches forwarding needs: routing at all, and DNAT of connections from 127.0.0.1.
// Only ever sets them to 1; never turns them off (other tools on the host may rely on them).

import { readFile, writeFile } from 'node:fs/promises';
import { LockerError } from '../errors.js';

const SWITCHES = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/conf/all/route_localnet'];

/** Sets each switch to 1; true when one of them was not already on. */
export async function enableForwarding(): Promise<boolean> {
  let changed = false;
  for (const path of SWITCHES) {
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
