// Waiting for a started container to get an IPv4 address (DHCP on the bridge takes a few seconds).
// Gives up with a retryable error: a slow DHCP server is worth another try.

import { setTimeout as sleep } from 'node:timers/promises';
import { LockerError } from '../errors.js';
import { runLxc } from './run-lxc.js';

export interface WaitIpv4Options {
  timeoutMs?: number;
  intervalMs?: number;
}

export async function waitIpv4(lxcpath: string, name: string, opts: WaitIpv4Options = {}): Promise<string[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 250;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout } = await runLxc('lxc-info', ['-P', lxcpath, '-n', name, '-iH'], { retryable: true });
    const addresses = parseIpLines(stdout).filter(isIpv4);
    if (addresses.length > 0) return addresses;
    if (Date.now() >= deadline) {
      throw new LockerError('HOST_PRECONDITION', `${name} has no IPv4 address after ${Math.round(timeoutMs / 1000)} s`, {
        hint: 'is the container running, and does its bridge (lxcbr0) have a live DHCP server? `bin/setup-host --check` in Locker\'s folder tells, `bin/setup-host` repairs',
        retryable: true,
      });
    }
    await sleep(intervalMs);
  }
}

function parseIpLines(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

function isIpv4(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
}
