// Waiting for a container's address when its bridge cannot give one: on lxcbr0 with lxc-net's dnsmasq gone,
// Locker refuses at once (not retryable) instead of waiting out every retry. The host's own dnsmasq is never
// touched: the test points the check at a pid file and a /proc of its own, and its container runs `sleep`
// as init, so no DHCP client ever asks and the outcome does not race a real lease.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstNetworkLink, lxcNetDhcpRunning, waitIpv4, type LxcNetPaths } from '../../src/lxc/index.js';
import { rejection } from '../helpers/errors.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';

let env: LxcEnv;
let fake: string;
const onBridge = () => `${env.prefix}_quiet`;
const offBridge = () => `${env.prefix}_nonet`;

/** A pid file and a /proc of the test's own: pid 4242 runs `cmdline` (NUL-separated), or no pid file at all. */
async function lxcNet(name: string, cmdline: string[] | 'no pid file' | 'pid gone'): Promise<LxcNetPaths> {
  const root = path.join(fake, name);
  const paths = { pidFile: path.join(root, 'dnsmasq.pid'), procRoot: path.join(root, 'proc') };
  await mkdir(path.join(paths.procRoot, '4242'), { recursive: true });
  if (cmdline === 'no pid file') return paths;
  await writeFile(paths.pidFile, '4242\n');
  if (cmdline !== 'pid gone') await writeFile(path.join(paths.procRoot, '4242', 'cmdline'), `${cmdline.join('\0')}\0`);
  return paths;
}

const DNSMASQ = ['dnsmasq', '--conf-file=/dev/null', '--strict-order', '--interface=lxcbr0', '--dhcp-range', '10.0.3.2,10.0.3.254'];

/** A busybox container whose init is `sleep`: it runs, and never asks for an address. */
async function createQuiet(name: string, extraConfig: string): Promise<void> {
  const created = await env.lxc('lxc-create', ['-n', name, '-t', 'busybox']);
  expect(created.exitCode, created.stderr).toBe(0);
  const config = path.join(env.lxcpath, name, 'config');
  await writeFile(config, `${await readFile(config, 'utf8')}\nlxc.init.cmd = /bin/sleep 600\n${extraConfig}`);
  const started = await env.lxc('lxc-start', ['-n', name]);
  expect(started.exitCode, started.stderr).toBe(0);
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  fake = await mkdtemp(path.join(tmpdir(), 'locker-lxcnet-'));
  await createQuiet(onBridge(), '');
  // The template's veth on lxcbr0 replaced by no network at all.
  await createQuiet(offBridge(), 'lxc.net.0.type = empty\n');
}, 60_000);

afterAll(async () => {
  await env?.destroyAll();
  if (fake) await rm(fake, { recursive: true, force: true });
}, 60_000);

describe('the DHCP server of lxcbr0', () => {
  it('is running only when the pid file names a live process serving lxcbr0', async () => {
    expect(await lxcNetDhcpRunning('lxcbr0', await lxcNet('alive', DNSMASQ))).toBe(true);
    expect(await lxcNetDhcpRunning('lxcbr0', await lxcNet('no-pid-file', 'no pid file'))).toBe(false);
    expect(await lxcNetDhcpRunning('lxcbr0', await lxcNet('pid-gone', 'pid gone'))).toBe(false);
    // The pid was reused by another program, or names a dnsmasq of another bridge.
    expect(await lxcNetDhcpRunning('lxcbr0', await lxcNet('stranger', ['sleep', '600']))).toBe(false);
    expect(await lxcNetDhcpRunning('lxcbr0', await lxcNet('other-bridge', DNSMASQ.map((a) => a.replace('lxcbr0', 'br9'))))).toBe(false);
  });

  it('reads the bridge of a container from its config', async () => {
    expect(await firstNetworkLink(env.lxcpath, onBridge())).toBe('lxcbr0');
    expect(await firstNetworkLink(env.lxcpath, offBridge())).toBeUndefined();
  });

  it('gone: waiting for the address of a container on lxcbr0 is refused at once, not retryable', async () => {
    const paths = await lxcNet('gone', 'pid gone');
    const err = await rejection(waitIpv4(env.lxcpath, onBridge(), { timeoutMs: 60_000, lxcNet: paths }));
    expect(err.code).toBe('HOST_PRECONDITION');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/is on bridge lxcbr0, whose DHCP server .* is not running/);
    expect(err.hint).toMatch(/bin\/setup-host/);
  });

  it('alive: the same wait goes on until its deadline, and that error is retryable', async () => {
    const paths = await lxcNet('alive-wait', DNSMASQ);
    const err = await rejection(waitIpv4(env.lxcpath, onBridge(), { timeoutMs: 1_500, lxcNet: paths }));
    expect(err.message).toMatch(/has no IPv4 address after 2 s/);
    expect(err.retryable).toBe(true);
  });

  it('a container on no bridge of lxc-net is not judged by it', async () => {
    const paths = await lxcNet('gone-nonet', 'pid gone');
    const err = await rejection(waitIpv4(env.lxcpath, offBridge(), { timeoutMs: 1_500, lxcNet: paths }));
    expect(err.message).toMatch(/has no IPv4 address after 2 s/);
  });
});
