// Finding the DHCP servers from a /proc of the test's own: dnsmasq processes only, their settings from
// their command line and config file; processes that are gone or not dnsmasq are passed over.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDhcpServers } from '../../src/lxc/dhcp-leases.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'locker-proc-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function proc(pid: string, files: Record<string, string>): Promise<void> {
  await mkdir(path.join(root, 'proc', pid), { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(root, 'proc', pid, name), text);
}

describe('findDhcpServers', () => {
  it('reads each dnsmasq: bridges, lease file and reservation folders, from its arguments and config file', async () => {
    const conf = path.join(root, 'dnsmasq.conf');
    await writeFile(conf, 'dhcp-hostsdir=/var/lib/locker/addresses/lkb1\n');
    await proc('10', { comm: 'dnsmasq\n', cmdline: ['dnsmasq', '--interface=lxcbr0', '--dhcp-leasefile=/var/lib/misc/dnsmasq.lxcbr0.leases', '--dhcp-hostsdir=/var/lib/locker/addresses/lxcbr0', ''].join('\0') });
    await proc('11', { comm: 'dnsmasq\n', cmdline: ['dnsmasq', '-i', 'lkb1', `--conf-file=${conf}`, ''].join('\0') });
    await proc('12', { comm: 'sshd\n', cmdline: ['sshd', '--interface=lxcbr0', ''].join('\0') });
    await proc('13', {}); // gone between the listing and the read
    await proc('14', { comm: 'dnsmasq\n', cmdline: '' }); // a zombie
    await mkdir(path.join(root, 'proc', 'self'));
    const servers = await findDhcpServers(path.join(root, 'proc'));
    expect(servers.sort((a, b) => a.pid - b.pid)).toEqual([
      { pid: 10, bridges: ['lxcbr0'], leaseFile: '/var/lib/misc/dnsmasq.lxcbr0.leases', hostsDirs: ['/var/lib/locker/addresses/lxcbr0'] },
      { pid: 11, bridges: ['lkb1'], leaseFile: '/var/lib/misc/dnsmasq.leases', hostsDirs: ['/var/lib/locker/addresses/lkb1'] },
    ]);
  });
});
