// A bridge of the test's own, with no DHCP server on it: an IPv4 /24 in 10.214.0.0/16 and an IPv6 /64 of a
// unique-local prefix, both free on this host. Creates only its own name and removes only that.

import { randomInt } from 'node:crypto';
import { execa } from 'execa';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { ADDRESS_DIR } from '../../src/lxc/index.js';
import { must } from './netns.js';
import { freeUlaPrefix } from './netns6.js';

export interface TestBridge {
  name: string;
  /** The bridge's own addresses (the containers' gateways). */
  ipv4: string;
  ipv6: string;
  destroy(): Promise<void>;
}

export async function createTestBridge(name: string): Promise<TestBridge> {
  if (!/^[a-z0-9]{1,15}$/.test(name)) throw new Error(`bridge name must be 1..15 of [a-z0-9]: ${name}`);
  const used = await must(['ip', '-4', '-o', 'addr', 'show']);
  let x = -1;
  for (let tries = 0; tries < 64 && x < 0; tries++) {
    const candidate = randomInt(0, 256);
    if (!used.includes(` 10.214.${candidate}.`)) x = candidate;
  }
  if (x < 0) throw new Error('no free 10.214.X.0/24 for a test bridge');
  const ipv4 = `10.214.${x}.1`;
  const ipv6 = `${await freeUlaPrefix()}::1`;
  const destroy = async () => {
    const exists = await execa('ip', ['link', 'show', 'dev', name], { reject: false, stdin: 'ignore' });
    if (exists.exitCode === 0) await must(['ip', 'link', 'del', name]);
    // Locker's claim folder of this bridge (its claims went with the containers).
    await rm(path.join(ADDRESS_DIR, name), { recursive: true, force: true });
  };
  try {
    await must(['ip', 'link', 'add', name, 'type', 'bridge']);
    await must(['ip', 'addr', 'add', `${ipv4}/24`, 'dev', name]);
    // nodad: usable at once, not after duplicate address detection.
    await must(['ip', '-6', 'addr', 'add', `${ipv6}/64`, 'dev', name, 'nodad']);
    await must(['ip', 'link', 'set', name, 'up']);
    return { name, ipv4, ipv6, destroy };
  } catch (e) {
    await destroy();
    throw e;
  }
}
