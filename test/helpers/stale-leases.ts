// Gives back lxcbr0 DHCP leases nobody answers for, before and after a test run. Busybox containers get
// a new MAC on every start and dnsmasq keeps each lease for an hour, so repeated runs on one machine
// would exhaust the bridge's 253 addresses and later containers would never get one.
// Only addresses on lxcbr0 (the tests' own containers) are pinged; a lease whose address answers is kept.

import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';

const LEASES = '/var/lib/misc/dnsmasq.lxcbr0.leases';

export async function releaseStaleLeases(): Promise<number> {
  if (!existsSync(LEASES)) return 0;
  const leases = readFileSync(LEASES, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f): f is [string, string, string, ...string[]] => f.length >= 3 && /^10\.0\.3\.\d+$/.test(f[2] ?? ''));
  let released = 0;
  // A handful at a time: each unanswered ping waits out its one-second deadline.
  for (let i = 0; i < leases.length; i += 32) {
    const batch = leases.slice(i, i + 32);
    const answers = await Promise.all(
      batch.map((f) => execa('busybox', ['ping', '-c', '1', '-W', '1', '-I', 'lxcbr0', f[2]], { reject: false, stdin: 'ignore' })),
    );
    for (const [k, f] of batch.entries()) {
      if (answers[k]!.exitCode === 0) continue;
      const r = await execa('dhcp_release', ['lxcbr0', f[2], f[1]], { reject: false, stdin: 'ignore' });
      if (r.exitCode === 0) released += 1;
    }
  }
  return released;
}
