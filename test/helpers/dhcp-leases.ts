// Gives back the lxcbr0 DHCP leases of a test's containers before they go. Busybox containers get a new
// MAC address on every start, and dnsmasq keeps a lease for an hour: without this, test runs exhaust
// the bridge's 253 addresses and later containers never get one.

import { execa } from 'execa';

/** Asks udhcpc in each running container of `lxcpath` to release its lease (busybox: SIGUSR2). */
export async function releaseDhcpLeases(lxcpath: string): Promise<void> {
  const { stdout } = await execa('lxc-ls', ['-P', lxcpath, '-1'], { stdin: 'ignore' });
  for (const name of stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '')) {
    const state = await execa('lxc-info', ['-P', lxcpath, '-n', name, '-sH'], { reject: false, stdin: 'ignore' });
    if (state.stdout.trim() !== 'RUNNING') continue;
    // A container whose udhcpc is not running has no lease to give back: that exit code is not an error.
    await execa('lxc-attach', ['-P', lxcpath, '-n', name, '--', 'killall', '-USR2', 'udhcpc'], { reject: false, stdin: 'ignore', timeout: 10_000 });
  }
}
