// A bridge without any DHCP server, with IPv4 and IPv6: LXC itself configures the planned addresses, a
// client on another machine reaches the container through an IPv4 and an IPv6 forward, and an IPv6 port on
// a bridge without IPv6 is refused at its spec line.

import { execa } from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetworkParams } from '../../plans/types.js';
import { readClaims } from '../../src/lxc/index.js';
import { readForwards, removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { cleanUp } from '../helpers/clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { createRemoteClient, type RemoteClient } from '../helpers/netns.js';
import { createIpv6Namespace, freeUlaPrefix, type Ipv6Namespace } from '../helpers/netns6.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { createTestBridge, type TestBridge } from '../helpers/test-bridge.js';
import { planOf, plannedNetworks } from '../helpers/planned-network.js';
import { until } from '../helpers/wait-until.js';

let env: LxcEnv;
let bridge: TestBridge;
let client4: RemoteClient;
let client6: Ipv6Namespace;
let work: string;
let project: string;
let planned: NetworkParams;
const port4 = 20000 + Math.floor(Math.random() * 20000);
const port6 = port4 + 1;

const data = () => path.join(work, 'data');
const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const attach = (...cmd: string[]) =>
  execa('lxc-attach', ['-P', env.lxcpath, '-n', `${project}_web`, '--', ...cmd], { reject: false, stdin: 'ignore', timeout: 20_000 });

function spec(bridgeName: string, ports: string[]): string {
  return `containers:
  web:
    template: busybox
    bridge: ${bridgeName}
    volumes:
      - ${data()}/www:/www:ro
      - ${data()}/inittab:/etc/inittab:ro
      - ${data()}/rcS:/etc/init.d/rcS:ro
    ports: [${ports.map((p) => JSON.stringify(p)).join(', ')}]
`;
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  bridge = await createTestBridge(`${env.prefix}br`);
  client4 = await createRemoteClient(`${env.prefix.slice(0, 7)}4`);
  client6 = await createIpv6Namespace(`${env.prefix.slice(0, 7)}6`, await freeUlaPrefix());
  work = mkdtempSync(path.join(tmpdir(), 'locker-static-'));
  mkdirSync(path.join(data(), 'www'), { recursive: true });
  writeFileSync(path.join(data(), 'www', 'index.html'), 'no dhcp here\n');
  writeFileSync(path.join(data(), 'inittab'), '::sysinit:/etc/init.d/rcS\n::respawn:/bin/httpd -f -p 80 -h /www\n');
  // A container set up for static addressing: busybox's stock rcS runs udhcpc, which would flush what LXC set.
  writeFileSync(path.join(data(), 'rcS'), '#!/bin/sh\n/bin/mount -a\n');
  chmodSync(path.join(data(), 'rcS'), 0o755);
  writeFileSync(path.join(work, 'locker.yml'), spec(bridge.name, [`${port4}:80`, `[::]:${port6}:80`]));
  const r = await locker('plan', '--json');
  expect(r.exitCode, show(r)).toBe(2);
  const network = plannedNetworks(planOf(r.stdout)).web;
  if (network === undefined) throw new Error(`no set-network in the plan:\n${r.stdout}`);
  planned = network;
});

afterAll(async () => {
  await cleanUp([
    async () => env?.destroyAll(),
    async () => project && removeRulesTagged(ruleTag(project)),
    async () => client4?.destroy(),
    async () => client6?.destroy(),
    async () => bridge?.destroy(),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

describe('a bridge without DHCP, with IPv6', () => {
  it('plans an address in each family of the bridge, no DHCP reservation', () => {
    const prefix4 = bridge.ipv4.split('.').slice(0, 3).join('.');
    expect(planned).toMatchObject({ bridge: bridge.name, prefix: 24, gateway: bridge.ipv4, reserve: false });
    expect(planned.ipv4.startsWith(`${prefix4}.`)).toBe(true);
    expect(planned.ipv6?.address.startsWith(bridge.ipv6.replace(/::1$/, ':'))).toBe(true);
    expect(planned.ipv6).toMatchObject({ prefix: 64, gateway: bridge.ipv6 });
  });

  it('LXC configures exactly the planned addresses, and the host reaches the container', async () => {
    const r = await locker('up', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    const addr = String((await attach('ip', 'addr', 'show', 'eth0')).stdout);
    const v4 = [...addr.matchAll(/inet (\S+)/g)].map((m) => m[1]);
    const v6 = [...addr.matchAll(/inet6 (\S+) scope global/g)].map((m) => m[1]);
    expect(v4).toEqual([`${planned.ipv4}/24`]);
    expect(v6).toEqual([`${planned.ipv6!.address}/64`]);
    const ping = await execa('busybox', ['ping', '-c', '1', '-W', '2', planned.ipv4], { reject: false, stdin: 'ignore' });
    expect(ping.exitCode, String(ping.stdout)).toBe(0);
    expect((await locker('plan')).exitCode).toBe(0);
  });

  it('forwards IPv4 and IPv6 ports to it, reached from other machines', async () => {
    expect((await locker('up', '--yes')).exitCode).toBe(0);
    const mine = (await readForwards()).filter((f) => f.project === project);
    expect(mine.map((f) => [f.hostPort, f.ipv6 ?? false, f.targetIp, f.complete]).sort()).toEqual(
      [[port4, false, planned.ipv4, true], [port6, true, planned.ipv6!.address, true]].sort(),
    );
    const get4 = async () => {
      const r = await client4.exec(['busybox', 'wget', '-qO-', `http://${client4.hostAddress}:${port4}/`], { timeoutMs: 3000 });
      return r.exitCode === 0 ? r.stdout : undefined;
    };
    const get6 = async () => {
      const r = await client6.exec(['busybox', 'wget', '-qO-', `http://[${client6.hostAddress}]:${port6}/`], { timeoutMs: 3000 });
      return r.exitCode === 0 ? r.stdout : undefined;
    };
    expect(await until('IPv4 forward from another machine', get4, 30_000)).toBe('no dhcp here');
    expect(await until('IPv6 forward from another machine', get6, 30_000)).toBe('no dhcp here');
  });

  it('refuses an IPv6 port on a bridge without IPv6, at the port, touching nothing', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'locker-static-v4only-'));
    try {
      writeFileSync(path.join(other, 'locker.yml'), `containers:\n  app:\n    template: busybox\n    ports: ["[::]:${port6 + 1}:80"]\n`);
      const r = await runLocker(['up', '--yes', '-P', env.lxcpath, '-p', `${project}v`], { cwd: other });
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr).toContain('error[SPEC_INVALID] locker.yml:4:13: port [::]:');
      expect(r.stderr).toContain('bridge lxcbr0 of host "local" has no IPv6 address');
      const names = (await env.lxc('lxc-ls', ['-1'])).stdout.split('\n').filter((n) => n.startsWith(`${project}v_`));
      expect(names).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('down leaves no claim and no rule', async () => {
    expect((await locker('up', '--yes')).exitCode).toBe(0);
    const r = await locker('down', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect((await readClaims()).filter((c) => c.lxcpath === env.lxcpath)).toEqual([]);
    expect((await readForwards()).filter((f) => f.project === project)).toEqual([]);
  });
});
