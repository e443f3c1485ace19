// Waiting until a running container's network is up: a default route in its own network namespace, read
// from the host (/proc/PID/net of its init: the kernel's table, nothing the container could write).

import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { LockerError } from '../errors.js';
import { runLxc } from './run-lxc.js';

/** IPv4: destination 0.0.0.0/0 with RTF_UP. */
export function hasDefaultRoute4(table: string): boolean {
  return table
    .split('\n')
    .slice(1)
    .some((line) => {
      const [iface, destination, , flags, , , , mask] = line.trim().split(/\s+/);
      return iface !== undefined && destination === '00000000' && mask === '00000000' && (parseInt(flags ?? '0', 16) & 0x1) !== 0;
    });
}

/** IPv6: ::/0 through a gateway (RTF_GATEWAY), not the kernel's reject route on lo. */
export function hasDefaultRoute6(table: string): boolean {
  return table.split('\n').some((line) => {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) return false;
    const flags = parseInt(f[8]!, 16);
    return /^0{32}$/.test(f[0]!) && f[1] === '00' && f[9] !== 'lo' && (flags & 0x2) !== 0 && (flags & 0x200) === 0;
  });
}

async function readRoutes(pid: string): Promise<{ v4: string; v6: string }> {
  const read = (file: string) => readFile(`/proc/${pid}/net/${file}`, 'utf8').catch(() => '');
  const [v4, v6] = await Promise.all([read('route'), read('ipv6_route')]);
  return { v4, v6 };
}

/** Resolves once the container has a default route; a retryable HOST_PRECONDITION after `timeoutMs`. */
export async function waitForNetwork(lxcpath: string, name: string, opts: { timeoutMs: number; intervalMs?: number }): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-pH'], { retryable: true });
    const pid = stdout.trim();
    if (/^\d+$/.test(pid)) {
      const { v4, v6 } = await readRoutes(pid);
      if (hasDefaultRoute4(v4) || hasDefaultRoute6(v6)) return;
    }
    if (Date.now() >= deadline) {
      throw new LockerError('HOST_PRECONDITION', `${name} has no network after ${Math.round(opts.timeoutMs / 1000)} s: no default route inside, so provision did not start`, {
        hint: 'provision runs once the container\'s network is up: does its bridge have a DHCP server (`bin/setup-host --check`), or does its init bring eth0 up? Then `locker retry --yes`',
        retryable: true,
      });
    }
    await sleep(opts.intervalMs ?? 250);
  }
}
