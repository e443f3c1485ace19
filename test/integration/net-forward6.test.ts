// IPv6 port forwarding on the real host through ip6tables: an HTTP server and a UDP echo in one network
// namespace (standing in for a container's IPv6 address), a client in another (a remote machine) reaching
// the host's IPv6 address, and the host itself. Everything is named after a per-run prefix and removed after.

import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForwardParams } from '../../plans/types.js';
import { readForwards, removeForwards, removeRulesTagged, ruleTag, setForwards } from '../../src/net/index.js';
import { createIpv6Namespace, freeUlaPrefix, type Ipv6Namespace } from '../helpers/netns6.js';
import { until } from '../helpers/wait-until.js';

const prefix = `l6${randomBytes(3).toString('hex')}`;
const project = prefix;
const container = 'web';
const tcpPort = randomInt(20_000, 40_000);
const udpPort = tcpPort + 1;
const page = 'locker-net6-ok';
/** An IPv4 target nobody answers on (TEST-NET-1): setForwards always takes one, IPv4 ports here only get rules. */
const targetIp = '192.0.2.10';

const TOOLS = [
  { bin: 'ip', pkg: 'iproute2' },
  { bin: 'ip6tables', pkg: 'iptables' },
  { bin: 'ip6tables-save', pkg: 'iptables' },
  { bin: 'ip6tables-restore', pkg: 'iptables' },
  { bin: 'iptables-save', pkg: 'iptables' },
  { bin: 'busybox', pkg: 'busybox' },
];

let www = '';
let server: Ipv6Namespace | undefined;
let client: Ipv6Namespace | undefined;

const tcp = (over: Partial<ForwardParams> = {}): ForwardParams => ({ protocol: 'tcp', hostPort: tcpPort, containerPort: 80, ipv6: true, ...over });
const udp: ForwardParams = { protocol: 'udp', hostPort: udpPort, containerPort: 5353, ipv6: true };

async function requireTools(): Promise<void> {
  const missing: string[] = [];
  for (const t of TOOLS) {
    const r = await execa('sh', ['-c', 'command -v "$1"', 'sh', t.bin], { reject: false });
    if (r.exitCode !== 0) missing.push(t.pkg);
  }
  if (missing.length > 0) throw new Error(`missing prerequisites: apt-get update && apt-get install -y ${[...new Set(missing)].join(' ')}`);
  if ((await execa('test', ['-e', '/proc/net/if_inet6'], { reject: false })).exitCode !== 0) {
    throw new Error('the kernel has no IPv6 (booted with ipv6.disable=1?): boot with IPv6 to run this test');
  }
}

/** An HTTP GET from inside the client namespace (node's fetch: no client tool to install). */
function remoteGet(address: string) {
  const script = `fetch(process.argv[1], { signal: AbortSignal.timeout(4000) }).then((r) => r.text()).then((t) => process.stdout.write(t.trim()), () => process.exit(3));`;
  return client!.exec([process.execPath, '-e', script, `http://[${address}]:${tcpPort}/`], { timeoutMs: 15_000 });
}

async function localGet(address: string, port = tcpPort): Promise<string> {
  const res = await fetch(`http://[${address}]:${port}/`, { signal: AbortSignal.timeout(4_000) });
  return (await res.text()).trim();
}

/** One UDP datagram from the client through the forward, answered by the echo server. */
function udpRoundTrip() {
  const script = `
    const s = require('node:dgram').createSocket('udp6');
    const [host, port] = process.argv.slice(1);
    s.on('message', (m) => { process.stdout.write(m.toString()); process.exit(0); });
    s.send('ping-udp6', Number(port), host);
    setTimeout(() => process.exit(3), 3000);`;
  return client!.exec([process.execPath, '-e', script, client!.hostAddress, String(udpPort)], { timeoutMs: 15_000 });
}

async function savedLines(command: 'iptables-save' | 'ip6tables-save'): Promise<string[]> {
  return (await execa(command, [], { stdin: 'ignore' })).stdout.split('\n');
}

const mine = async () => (await readForwards()).filter((f) => f.project === project);

describe('IPv6 port forwarding through ip6tables', () => {
  beforeAll(async () => {
    await requireTools();
    www = await mkdtemp(path.join(tmpdir(), 'locker-net6-'));
    await writeFile(path.join(www, 'index.html'), `${page}\n`);
    const ula = await freeUlaPrefix();
    server = await createIpv6Namespace(`${prefix}s`, `${ula}:1`);
    client = await createIpv6Namespace(`${prefix}c`, `${ula}:2`);
    const httpd = server.spawn(['busybox', 'httpd', '-f', '-p', '80', '-h', www]);
    const echo = `const s = require('node:dgram').createSocket('udp6');
      s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(5353, () => console.log('ready'));`;
    const udpEcho = server.spawn([process.execPath, '-e', echo]);
    await Promise.race([
      new Promise<void>((resolve) => udpEcho.stdout!.once('data', () => resolve())),
      udpEcho.then((r) => {
        throw new Error(`udp echo server exited (${r.exitCode}): ${String(r.stderr)}`);
      }),
    ]);
    // The host reaches the server directly (no forward involved) once httpd listens.
    const serverNs = server;
    await until(
      `busybox httpd in ${serverNs.ns}`,
      async () => {
        if (httpd.exitCode !== null) throw new Error(`busybox httpd exited (${httpd.exitCode}): ${String((await httpd).stderr)}`);
        return (await localGet(serverNs.nsAddress, 80).catch(() => '')) === page ? true : undefined;
      },
      10_000,
    );
  }, 60_000);

  afterAll(async () => {
    const failures: unknown[] = [];
    const step = async (f: () => Promise<unknown>) => f().catch((e: unknown) => failures.push(e));
    await step(() => removeRulesTagged(ruleTag(project)));
    await step(async () => server?.destroy());
    await step(async () => client?.destroy());
    if (www) await step(() => rm(www, { recursive: true, force: true }));
    await step(async () => {
      for (const command of ['iptables-save', 'ip6tables-save'] as const) {
        const left = (await savedLines(command)).filter((l) => l.includes(ruleTag(project)));
        if (left.length > 0) throw new Error(`${command} still has rules of ${project}:\n${left.join('\n')}`);
      }
    });
    if (failures.length > 0) throw new AggregateError(failures, 'cleanup of the net-forward6 test failed');
  }, 60_000);

  it('forwards a tcp port over IPv6 for a remote client and for the host on its own IPv6 address', async () => {
    expect((await remoteGet(client!.hostAddress)).exitCode).not.toBe(0);
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [tcp()] })).toBe('done');
    expect(await mine()).toEqual([
      { host: 'local', project, container, protocol: 'tcp', hostPort: tcpPort, containerPort: 80, ipv6: true, targetIp: server!.nsAddress, complete: true },
    ]);
    const remote = await remoteGet(client!.hostAddress);
    expect(remote, remote.stderr).toMatchObject({ exitCode: 0, stdout: page });
    expect(await localGet(client!.hostAddress)).toBe(page);
    expect((await readFile('/proc/sys/net/ipv6/conf/all/forwarding', 'utf8')).trim()).toBe('1');
    // The rules are in ip6tables only, tagged tcp6, with the target in brackets.
    const tag = `locker:${project}:${container}:tcp6:*:${tcpPort}:80:local`;
    expect((await savedLines('ip6tables-save')).filter((l) => l.includes(tag))).toHaveLength(3);
    expect((await savedLines('ip6tables-save')).some((l) => l.includes(`--to-destination [${server!.nsAddress}]:80`))).toBe(true);
    expect((await savedLines('iptables-save')).filter((l) => l.includes(ruleTag(project)))).toEqual([]);
  }, 60_000);

  it('cannot forward a client on ::1: Linux drops the NATed replies to ::1 (why the spec refuses [::1])', async () => {
    await expect(localGet('::1')).rejects.toThrow();
  }, 30_000);

  it('adopts when the same forwards are asked for again, and never duplicates the IPv6 jumps', async () => {
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [tcp()] })).toBe('adopted');
    const jumps = (await savedLines('ip6tables-save')).filter((l) => l.includes('--comment "locker:jump"'));
    expect(jumps.map((l) => l.split(' ')[1]).sort()).toEqual(['FORWARD', 'OUTPUT', 'POSTROUTING', 'PREROUTING']);
  }, 60_000);

  it('adds a udp port, and a datagram makes the round trip over IPv6', async () => {
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [tcp(), udp] })).toBe('done');
    expect((await mine()).map((f) => [f.protocol, f.hostPort, f.ipv6, f.complete])).toEqual([
      ['tcp', tcpPort, true, true],
      ['udp', udpPort, true, true],
    ]);
    const echoed = await udpRoundTrip();
    expect(echoed, echoed.stderr).toMatchObject({ exitCode: 0, stdout: 'ping-udp6' });
  }, 60_000);

  it('forwards a port bound to one host address, and the same port over IPv4 beside it', async () => {
    const bound = tcp({ hostIp: client!.hostAddress });
    const ipv4 = tcp({ ipv6: undefined });
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [bound, ipv4] })).toBe('done');
    expect((await mine()).map((f) => [f.hostIp, f.ipv6, f.targetIp, f.complete])).toEqual([
      [undefined, undefined, targetIp, true],
      [client!.hostAddress, true, server!.nsAddress, true],
    ]);
    expect((await remoteGet(client!.hostAddress)).stdout).toBe(page);
    // Bound to the client link's address: the same port on the server link's host address is not forwarded.
    await expect(localGet(server!.hostAddress)).rejects.toThrow();
    expect((await savedLines('iptables-save')).filter((l) => l.includes(ruleTag(project)))).toHaveLength(4);
  }, 60_000);

  it('refuses an IPv6 port without an IPv6 target, before changing anything', async () => {
    const before = [...(await savedLines('iptables-save')), ...(await savedLines('ip6tables-save'))].filter((l) => l.startsWith('-A'));
    await expect(setForwards({ host: 'local', project, container, targetIp, ports: [tcp()] })).rejects.toMatchObject({
      code: 'HOST_PRECONDITION',
      message: `port [::]:${tcpPort}:80/tcp is an IPv6 forward, but ${container} has no IPv6 address to forward it to`,
    });
    const after = [...(await savedLines('iptables-save')), ...(await savedLines('ip6tables-save'))].filter((l) => l.startsWith('-A'));
    expect(after).toEqual(before);
  }, 60_000);

  it('refuses an IPv6 port another container forwards, but not the same port over IPv4', async () => {
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [tcp()] })).toBe('done');
    const before = (await savedLines('ip6tables-save')).filter((l) => l.startsWith('-A'));
    await expect(
      setForwards({ host: 'local', project, container: 'other', targetIp, targetIp6: server!.nsAddress, ports: [tcp({ hostIp: client!.hostAddress })] }),
    ).rejects.toMatchObject({ code: 'PORT_IN_USE', message: `host port ${tcpPort}/tcp (IPv6) is already forwarded to ${project}:${container}` });
    expect((await savedLines('ip6tables-save')).filter((l) => l.startsWith('-A'))).toEqual(before);
    expect(await setForwards({ host: 'local', project, container: 'other', targetIp, ports: [tcp({ ipv6: undefined })] })).toBe('done');
    expect(await removeForwards({ host: 'local', project, container: 'other' })).toBe('done');
  }, 60_000);

  it('removes every rule of the container in both families, keeps the shared chains, and the port stops answering', async () => {
    expect(await setForwards({ host: 'local', project, container, targetIp, targetIp6: server!.nsAddress, ports: [tcp(), udp, tcp({ ipv6: undefined })] })).toBe('done');
    expect((await remoteGet(client!.hostAddress)).stdout).toBe(page);

    expect(await removeForwards({ host: 'local', project, container })).toBe('done');
    expect(await mine()).toEqual([]);
    for (const command of ['iptables-save', 'ip6tables-save'] as const) {
      const lines = await savedLines(command);
      expect(lines.filter((l) => l.includes(ruleTag(project)))).toEqual([]);
      for (const chain of ['LOCKER_PREROUTING', 'LOCKER_OUTPUT', 'LOCKER_POSTROUTING', 'LOCKER_FORWARD']) {
        expect(lines).toContain(`:${chain} - [0:0]`);
      }
    }
    expect((await remoteGet(client!.hostAddress)).exitCode).not.toBe(0);
    expect(await removeForwards({ host: 'local', project, container })).toBe('adopted');
  }, 60_000);
});
