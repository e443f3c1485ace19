// Locker on one host, end to end, on real LXC: plan -> up -> the containers serve through forwarded ports
// -> drift is planned and fixed -> down leaves nothing of Locker's, and the host data stays.

import { execa } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForwards, removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { createRemoteClient, type RemoteClient } from '../helpers/netns.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
let client: RemoteClient;
let work: string;
let project: string;
const data = () => path.join(work, 'data');
const basePort = 20000 + Math.floor(Math.random() * 20000);
const ports = { web: basePort, udp: basePort + 1, web2: basePort + 2 };

function spec(): string {
  return `containers:
  web:
    template:
      name: busybox
    fqdn: web.example.test
    volumes:
      - ${data()}/www:/www
      - ${data()}/inittab:/etc/inittab:ro
      - ${data()}/logs/$project_$name:/var/log
    ports:
      - "${ports.web}:80"
      - "${ports.udp}:5353/udp"
  web2:
    clone: web
    snapshot: true
    fqdn: web2.example.test
    depends_on: [web]
    volumes:
      - ${data()}/www:/www:ro
      - ${data()}/inittab:/etc/inittab:ro
    ports:
      - "${ports.web2}:80/tcp"
`;
}

const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', project], { cwd: work });
const attach = (name: string, ...cmd: string[]) =>
  execa('lxc-attach', ['-P', env.lxcpath, '-n', `${project}_${name}`, '--', ...cmd], { reject: false });
const lxcNames = async () =>
  (await execa('lxc-ls', ['-P', env.lxcpath, '-1'])).stdout.split('\n').filter((l) => l.trim() !== '').sort();

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function fetchVia(url: string): Promise<string | undefined> {
  // busybox 1.35's `wget -T` crashes here: the process timeout bounds the request instead.
  const r = await client.exec(['busybox', 'wget', '-qO-', url], { timeoutMs: 3000 });
  return r.exitCode === 0 ? r.stdout : undefined;
}

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  project = env.prefix;
  client = await createRemoteClient(env.prefix.slice(0, 8));
  work = mkdtempSync(path.join(tmpdir(), 'locker-single-'));
  mkdirSync(path.join(data(), 'www'), { recursive: true });
  writeFileSync(path.join(data(), 'www', 'index.html'), 'served by locker\n');
  writeFileSync(path.join(data(), 'inittab'), '::sysinit:/etc/init.d/rcS\n::respawn:/bin/httpd -f -p 80 -h /www\n');
  writeFileSync(path.join(work, 'locker.yml'), spec());
});

afterAll(async () => {
  await env?.destroyAll();
  if (project) await removeRulesTagged(ruleTag(project));
  await client?.destroy();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('locker on one host', () => {
  it('plans the whole project and exits 2', async () => {
    const r = await locker('plan');
    expect(r.exitCode, show(r)).toBe(2);
    expect(r.stdout).toMatch(/\+ create/);
    expect(r.stdout).toMatch(/\+ clone/);
    expect(r.stdout).toContain(`${project}_web2`);
  });

  it('refuses to apply without --yes when there is no terminal, and touches nothing', async () => {
    const r = await locker('up');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error[CONFIRMATION_REQUIRED]');
    expect(await lxcNames()).toEqual([]);
  });

  it('up creates, configures, starts and forwards everything', async () => {
    const r = await locker('up', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await lxcNames()).toEqual([`${project}_web`, `${project}_web2`]);
  });

  it('a file written on the host is read inside the container', async () => {
    writeFileSync(path.join(data(), 'www', 'fresh.txt'), 'written after up\n');
    for (const name of ['web', 'web2']) {
      const r = await attach(name, 'cat', '/www/fresh.txt');
      expect(r.stdout, `${name}: ${r.stderr}`).toBe('written after up');
    }
  });

  it('copied what the container had at /var/log into the empty host folder, then mounted it', async () => {
    const hostLogs = path.join(data(), 'logs', `${project}_web`);
    expect(existsSync(hostLogs)).toBe(true);
    await attach('web', 'sh', '-c', 'echo from-inside > /var/log/marker');
    expect(readFileSync(path.join(hostLogs, 'marker'), 'utf8')).toBe('from-inside\n');
  });

  it('inside, hostname and /etc/hosts match the fqdn, the clone its own', async () => {
    for (const [name, fqdn] of [['web', 'web.example.test'], ['web2', 'web2.example.test']] as const) {
      expect((await attach(name, 'hostname')).stdout).toBe(fqdn.split('.')[0]);
      const hosts = (await attach(name, 'cat', '/etc/hosts')).stdout;
      expect(hosts).toMatch(new RegExp(`^127\\.0\\.1\\.1\\s+${fqdn.replaceAll('.', '\\.')}\\s+${fqdn.split('.')[0]}$`, 'm'));
    }
  });

  it('serves HTTP through the host port to a client on another machine and to the host itself', async () => {
    const body = await until('web through the forwarded port', () => fetchVia(`http://${client.hostAddress}:${ports.web}/`));
    expect(body).toBe('served by locker');
    const body2 = await until('web2 through its port', () => fetchVia(`http://${client.hostAddress}:${ports.web2}/fresh.txt`));
    expect(body2).toBe('written after up');
    const local = await fetch(`http://127.0.0.1:${ports.web}/`, { signal: AbortSignal.timeout(3000) });
    expect(await local.text()).toBe('served by locker\n');
  });

  it('forwards the udp port with tagged rules', async () => {
    const forwards = (await readForwards()).filter((f) => f.project === project);
    expect(forwards.map((f) => `${f.container} ${f.protocol} ${f.hostPort}->${f.containerPort} ${f.complete}`).sort()).toEqual(
      [`web tcp ${ports.web}->80 true`, `web udp ${ports.udp}->5353 true`, `web2 tcp ${ports.web2}->80 true`].sort(),
    );
  });

  it('the next plan is empty and exits 0', async () => {
    const r = await locker('plan');
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stdout).toMatch(/No changes/);
  });

  it('a container stopped by hand and a rule deleted by hand show in the next plan, and one apply restores them', async () => {
    await execa('lxc-stop', ['-P', env.lxcpath, '-n', `${project}_web2`, '-k']);
    const save = (await execa('iptables-save', ['-t', 'nat'])).stdout;
    const rule = save
      .split('\n')
      .find((l) => l.startsWith('-A LOCKER_PREROUTING') && l.includes(`${ruleTag(project, 'web')}`) && l.includes(`--dport ${ports.web} `));
    expect(rule, save).toBeDefined();
    await execa('iptables', ['-t', 'nat', ...rule!.replace(/^-A /, '-D ').match(/"[^"]*"|\S+/g)!.map((t) => t.replace(/^"|"$/g, ''))]);

    const planned = await locker('plan', '--json');
    expect(planned.exitCode, show(planned)).toBe(2);
    const { plan } = JSON.parse(planned.stdout) as { plan: { actions: Array<{ container: string; kind: string; reason: string }> } };
    const summary = plan.actions.map((a) => `${a.container} ${a.kind} ${a.reason}`);
    expect(summary).toContain('web2 start drifted');
    expect(summary).toContain('web forward-ports drifted');
    expect(summary.filter((s) => s.startsWith('web ')).map((s) => s.split(' ')[1])).toEqual(['forward-ports']);

    const r = await locker('up', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    const again = await locker('plan');
    expect(again.exitCode, show(again)).toBe(0);
    expect(await until('web through the restored rule', () => fetchVia(`http://${client.hostAddress}:${ports.web}/`))).toBe('served by locker');
  });

  it('a saved plan applies once, then is refused as stale', async () => {
    await execa('lxc-stop', ['-P', env.lxcpath, '-n', `${project}_web2`, '-k']);
    const planFile = path.join(work, 'restart.plan.json');
    const p = await locker('plan', '-o', planFile);
    expect(p.exitCode, show(p)).toBe(2);
    const first = await locker('apply', planFile, '--yes');
    expect(first.exitCode, show(first)).toBe(0);
    const second = await locker('apply', planFile, '--yes');
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toContain('error[PLAN_STALE]');
  });

  it('records every run in the event log: runs and show fold it', async () => {
    const runs = await locker('runs', '--json');
    expect(runs.exitCode, show(runs)).toBe(0);
    const list = JSON.parse(runs.stdout) as Array<{ runId: string; status: string }>;
    expect(list.length).toBe(3);
    expect(list.every((r) => r.status === 'succeeded')).toBe(true);
    const detail = await locker('show', list[0]!.runId, '--json');
    expect(detail.exitCode, show(detail)).toBe(0);
    const run = JSON.parse(detail.stdout) as { actions: Array<{ state: string; attempts: number }> };
    expect(run.actions.length).toBeGreaterThan(8);
    expect(run.actions.every((a) => a.state === 'succeeded' && a.attempts === 1)).toBe(true);
  });

  it('status shows the containers with state, address, fqdn and ports', async () => {
    const r = await locker('status', '--json');
    expect(r.exitCode, show(r)).toBe(0);
    const { containers } = JSON.parse(r.stdout) as { containers: Array<{ name: string; state: string; ipv4: string[]; fqdn: string; ports: string[] }> };
    expect(containers.map((c) => [c.name, c.state, c.fqdn])).toEqual([
      ['web', 'RUNNING', 'web.example.test'],
      ['web2', 'RUNNING', 'web2.example.test'],
    ]);
    expect(containers[0]!.ipv4.length).toBeGreaterThan(0);
    expect(containers[0]!.ports).toContain(`${ports.web}->80/tcp`);
  });

  it('down leaves no container and no Locker rule, and the host data is still there', async () => {
    const r = await locker('down', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await lxcNames()).toEqual([]);
    const save = (await execa('iptables-save')).stdout;
    expect(save).not.toContain(ruleTag(project));
    expect(readFileSync(path.join(data(), 'www', 'index.html'), 'utf8')).toBe('served by locker\n');
    expect(readFileSync(path.join(data(), 'www', 'fresh.txt'), 'utf8')).toBe('written after up\n');
    expect(existsSync(path.join(data(), 'inittab'))).toBe(true);
    expect(readFileSync(path.join(data(), 'logs', `${project}_web`, 'marker'), 'utf8')).toBe('from-inside\n');
    const after = await locker('plan');
    expect(after.exitCode).toBe(2);
  });
});
