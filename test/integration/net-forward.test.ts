// Port forwarding on the real host: a busybox container serving HTTP, a client in its own network
// namespace (a remote machine), the host itself on 127.0.0.1, and foreign rules that must survive.

import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitIpv4 } from '../../src/lxc/index.js';
import { readForwards, removeForwards, removeRulesTagged, ruleTag, setForwards } from '../../src/net/index.js';
import { createRemoteClient, type RemoteClient } from '../helpers/netns.js';
import { requireTools } from '../helpers/lxc-env.js';

const prefix = `lt${randomBytes(3).toString('hex')}`;
const project = prefix;
const container = 'web';
const lxcName = `${project}_${container}`;
const tcpPort = randomInt(20_000, 40_000);
const udpPort = tcpPort + 1;
const foreignPort = tcpPort + 2;
const page = 'locker-net-ok';
const adminTag = `admin-test-${prefix}`;

let lxcpath = '';
let targetIp = '';
let client: RemoteClient | undefined;
let udpEcho: ResultPromise | undefined;

/** argv of the two foreign rules, minus the `-A`/`-D`/`-C` verb, so they can be added, checked and removed exactly. */
const foreignDnat = ['-t', 'nat', 'PREROUTING', '-p', 'tcp', '--dport', String(foreignPort), '-j', 'DNAT', '--to-destination', '10.0.3.250:9'];
const adminAccept = ['FORWARD', '-d', '10.0.3.251/32', '-p', 'tcp', '--dport', '22', '-m', 'comment', '--comment', adminTag, '-j', 'ACCEPT'];

function withVerb(rule: string[], verb: '-A' | '-D' | '-C'): string[] {
  const at = rule[0] === '-t' ? 2 : 0;
  return [...rule.slice(0, at), verb, ...rule.slice(at)];
}

async function sh(file: string, args: string[], timeout = 60_000) {
  const r = await execa(file, args, { reject: false, timeout, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function must(file: string, args: string[]): Promise<string> {
  const r = await sh(file, args);
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')} failed (exit ${r.exitCode}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** busybox wget from the remote client. No `-T`: busybox-static 1.35's wget segfaults with it; the exec timeout bounds it. */
function remoteGet(address: string) {
  return client!.exec(['busybox', 'wget', '-qO-', `http://${address}:${tcpPort}/`], { timeoutMs: 15_000 });
}

async function localGet(address: string): Promise<string> {
  const res = await fetch(`http://${address}:${tcpPort}/`, { signal: AbortSignal.timeout(5_000) });
  return (await res.text()).trim();
}

/** One UDP datagram from the remote client through the forward, answered by the echo server in the container. */
function udpRoundTrip() {
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    const [host, port] = process.argv.slice(1);
    s.on('message', (m) => { process.stdout.write(m.toString()); process.exit(0); });
    s.send('ping-udp', Number(port), host);
    setTimeout(() => process.exit(3), 3000);`;
  return client!.exec([process.execPath, '-e', script, client!.hostAddress, String(udpPort)], { timeoutMs: 15_000 });
}

async function savedLines(): Promise<string[]> {
  return (await must('iptables-save', [])).split('\n');
}

const mine = async () => (await readForwards()).filter((f) => f.project === project && f.container === container);

describe('port forwarding through netfilter', () => {
  beforeAll(async () => {
    await requireTools();
    lxcpath = await mkdtemp(path.join(tmpdir(), 'locker-net-'));
    await must('lxc-create', ['-P', lxcpath, '-n', lxcName, '-t', 'busybox']);
    await must('lxc-start', ['-P', lxcpath, '-n', lxcName]);
    [targetIp] = (await waitIpv4(lxcpath, lxcName, { timeoutMs: 30_000 })) as [string];
    await must('lxc-attach', ['-P', lxcpath, '-n', lxcName, '--', 'sh', '-c', `mkdir -p /www && echo ${page} > /www/index.html && httpd -p 80 -h /www`]);
    // busybox has no UDP server; a host node process inside the container's network namespace stands in.
    const pid = (await must('lxc-info', ['-P', lxcpath, '-n', lxcName, '-pH'])).trim();
    const echo = `const s = require('node:dgram').createSocket('udp4');
      s.on('message', (m, r) => s.send(m, r.port, r.address)); s.bind(5353, () => console.log('ready'));`;
    udpEcho = execa('nsenter', [`--net=/proc/${pid}/ns/net`, process.execPath, '-e', echo], { stdin: 'ignore', reject: false });
    const echoProcess = udpEcho;
    await Promise.race([
      new Promise<void>((resolve) => echoProcess.stdout!.once('data', () => resolve())),
      echoProcess.then((r) => {
        throw new Error(`udp echo server in the container exited (${r.exitCode}): ${String(r.stderr)}`);
      }),
    ]);
    client = await createRemoteClient(prefix);
  }, 120_000);

  afterAll(async () => {
    const failures: unknown[] = [];
    const step = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        failures.push(e);
      }
    };
    await step(() => removeRulesTagged(ruleTag(project)));
    await step(() => removeRulesTagged(adminTag));
    await step(async () => {
      while ((await sh('iptables', withVerb(foreignDnat, '-C'))).exitCode === 0) await must('iptables', withVerb(foreignDnat, '-D'));
    });
    await step(async () => {
      if (udpEcho?.pid !== undefined && udpEcho.exitCode === null) udpEcho.kill('SIGKILL');
      await udpEcho;
    });
    await step(async () => client?.destroy());
    if (lxcpath) {
      await step(() => sh('lxc-stop', ['-P', lxcpath, '-n', lxcName, '-k']));
      await step(async () => {
        const r = await sh('lxc-destroy', ['-P', lxcpath, '-n', lxcName]);
        if (r.exitCode !== 0 && !/does not exist|not defined/i.test(r.stderr)) throw new Error(`lxc-destroy: ${r.stderr}`);
      });
      await step(() => rm(lxcpath, { recursive: true, force: true }));
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cleanup of the net-forward test failed');
  }, 60_000);

  it('forwards a tcp port to the container for a remote client and for the host itself', async () => {
    expect((await remoteGet(client!.hostAddress)).exitCode).not.toBe(0);
    expect(await setForwards({ host: 'local', project, container, targetIp, ports: [{ protocol: 'tcp', hostPort: tcpPort, containerPort: 80 }] })).toBe('done');
    expect(await mine()).toEqual([
      { host: 'local', project, container, protocol: 'tcp', hostPort: tcpPort, containerPort: 80, targetIp, complete: true },
    ]);
    const remote = await remoteGet(client!.hostAddress);
    expect(remote, remote.stderr).toMatchObject({ exitCode: 0, stdout: page });
    expect(await localGet('127.0.0.1')).toBe(page);
    expect(await localGet(client!.hostAddress)).toBe(page);
    expect((await must('cat', ['/proc/sys/net/ipv4/conf/all/route_localnet'])).trim()).toBe('1');
  }, 60_000);

  it('adopts when the same forwards are asked for again, and never duplicates the jumps', async () => {
    expect(await setForwards({ host: 'local', project, container, targetIp, ports: [{ protocol: 'tcp', hostPort: tcpPort, containerPort: 80 }] })).toBe('adopted');
    const jumps = (await savedLines()).filter((l) => l.includes('--comment "locker:jump"'));
    expect(jumps.map((l) => l.split(' ')[1]).sort()).toEqual(['FORWARD', 'OUTPUT', 'POSTROUTING', 'PREROUTING']);
  }, 60_000);

  it('adds a udp port next to the tcp one, and a datagram makes the round trip', async () => {
    const ports = [
      { protocol: 'tcp' as const, hostPort: tcpPort, containerPort: 80 },
      { protocol: 'udp' as const, hostPort: udpPort, containerPort: 5353 },
    ];
    expect(await setForwards({ host: 'local', project, container, targetIp, ports })).toBe('done');
    expect(await mine()).toEqual([
      { host: 'local', project, container, protocol: 'tcp', hostPort: tcpPort, containerPort: 80, targetIp, complete: true },
      { host: 'local', project, container, protocol: 'udp', hostPort: udpPort, containerPort: 5353, targetIp, complete: true },
    ]);
    const echoed = await udpRoundTrip();
    expect(echoed, echoed.stderr).toMatchObject({ exitCode: 0, stdout: 'ping-udp' });
  }, 60_000);

  it('reports a forward whose rule was deleted by hand as incomplete, and repairs it', async () => {
    const tag = `locker:${project}:${container}:tcp:*:${tcpPort}:80:local`;
    await must('iptables', [
      '-t', 'nat', '-D', 'LOCKER_PREROUTING', '-p', 'tcp', '--dport', String(tcpPort),
      '-m', 'comment', '--comment', tag, '-j', 'DNAT', '--to-destination', `${targetIp}:80`,
    ]);
    const broken = await mine();
    expect(broken.find((f) => f.protocol === 'tcp')?.complete).toBe(false);
    expect(broken.find((f) => f.protocol === 'udp')?.complete).toBe(true);
    expect((await remoteGet(client!.hostAddress)).exitCode).not.toBe(0);

    const ports = broken.map(({ protocol, hostPort, containerPort }) => ({ protocol, hostPort, containerPort }));
    expect(await setForwards({ host: 'local', project, container, targetIp, ports })).toBe('done');
    expect((await mine()).every((f) => f.complete)).toBe(true);
    expect((await remoteGet(client!.hostAddress)).stdout).toBe(page);
  }, 60_000);

  it('leaves an untagged DNAT and an admin FORWARD rule exactly as they were', async () => {
    await must('iptables', withVerb(foreignDnat, '-A'));
    await must('iptables', withVerb(adminAccept, '-A'));
    const foreign = (lines: string[]) =>
      lines.filter((l) => l.includes(`--dport ${foreignPort} `) || l.includes(adminTag));
    const before = foreign(await savedLines());
    expect(before).toHaveLength(2);

    expect(await setForwards({ host: 'local', project, container, targetIp, ports: [{ protocol: 'tcp', hostPort: tcpPort, containerPort: 80 }] })).toBe('done');
    expect(foreign(await savedLines())).toEqual(before);
    expect(await removeForwards({ host: 'local', project, container })).toBe('done');
    expect(foreign(await savedLines())).toEqual(before);
    await removeRulesTagged(ruleTag(project));
    expect(foreign(await savedLines())).toEqual(before);

    await must('iptables', withVerb(foreignDnat, '-D'));
    await must('iptables', withVerb(adminAccept, '-D'));
    expect(foreign(await savedLines())).toEqual([]);
  }, 60_000);

  it('removes every rule of the container, keeps the shared chains, and the port stops answering', async () => {
    const ports = [
      { protocol: 'tcp' as const, hostPort: tcpPort, containerPort: 80 },
      { protocol: 'udp' as const, hostPort: udpPort, containerPort: 5353 },
    ];
    expect(await setForwards({ host: 'local', project, container, targetIp, ports })).toBe('done');
    expect((await remoteGet(client!.hostAddress)).stdout).toBe(page);

    expect(await removeForwards({ host: 'local', project, container })).toBe('done');
    expect(await mine()).toEqual([]);
    const lines = await savedLines();
    expect(lines.filter((l) => l.includes(ruleTag(project)))).toEqual([]);
    for (const chain of ['LOCKER_PREROUTING', 'LOCKER_OUTPUT', 'LOCKER_POSTROUTING', 'LOCKER_FORWARD']) {
      expect(lines).toContain(`:${chain} - [0:0]`);
    }
    expect((await remoteGet(client!.hostAddress)).exitCode).not.toBe(0);
    await expect(localGet('127.0.0.1')).rejects.toThrow();
    expect(await removeForwards({ host: 'local', project, container })).toBe('adopted');
  }, 60_000);

  it('refuses to forward a host port another container already forwards, before changing anything', async () => {
    const port = { protocol: 'tcp' as const, hostPort: tcpPort, containerPort: 80 };
    expect(await setForwards({ host: 'local', project, container, targetIp, ports: [port] })).toBe('done');
    const before = await savedLines();
    await expect(setForwards({ host: 'local', project, container: 'other', targetIp, ports: [port] })).rejects.toMatchObject({
      code: 'PORT_IN_USE',
    });
    expect((await savedLines()).filter((l) => l.startsWith('-A'))).toEqual(before.filter((l) => l.startsWith('-A')));
    expect(await removeForwards({ host: 'local', project, container })).toBe('done');
  }, 60_000);
});
