// `locker nats-config --store DIR` on Debian's real nats-server, as the README walks through it: JetStream
// keeps its data in DIR; after a host is added, `nats-server --signal reload=PID` with the regenerated
// configuration lets the new agent in without a restart, and the connections already there stay.

import type { NatsConnection } from '@nats-io/transport-node';
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentInboxPrefix, connectNats, ensureNatsResources, observeSubject } from '../../src/nats/index.js';
import { freePort, requireNatsServer } from '../helpers/nats-server.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

const BINARY = '/usr/sbin/nats-server';

let work: string;
let natsDir: string;
let store: string;
let port: number;
let server: ResultPromise | undefined;
let serverLog = '';
const connections: NatsConnection[] = [];

const natsConfig = (hosts: string, ...extra: string[]) =>
  runLocker(['nats-config', '--host', hosts, '-o', natsDir, '--nats', `nats://127.0.0.1:${port}`, '--store', store, ...extra], { cwd: work });

async function connectAs(creds: string, host?: string): Promise<NatsConnection> {
  const nc = await connectNats({
    url: `nats://127.0.0.1:${port}`,
    credsFile: path.join(natsDir, creds),
    name: `test ${creds}`,
    ...(host === undefined ? {} : { inboxPrefix: agentInboxPrefix(host) }),
  });
  connections.push(nc);
  return nc;
}

beforeAll(async () => {
  requireNatsServer();
  work = mkdtempSync(path.join(tmpdir(), 'locker-nats-store-'));
  natsDir = path.join(work, 'nats');
  store = path.join(work, 'store'); // not under natsDir: the point of --store
  port = await freePort();
});

afterAll(async () => {
  for (const nc of connections) await nc.close().catch(() => undefined);
  if (server?.pid !== undefined && server.exitCode === null) {
    process.kill(server.pid, 'SIGTERM');
    await server;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('nats-config --store and a reload after adding a host', () => {
  it('writes the store folder into the jetstream block', async () => {
    const r = await natsConfig('web1', '--json');
    expect(r.exitCode, show(r)).toBe(0);
    const written = JSON.parse(r.stdout) as { configFile: string };
    const config = readFileSync(written.configFile, 'utf8');
    expect(config).toMatch(new RegExp(`jetstream \\{\\n  store_dir: "${store}"\\n\\}`));
    const text = await natsConfig('web1');
    expect(text.stdout).toContain(`JetStream in ${store}`);
    expect(text.stdout).toContain('nats-server --signal reload=PID');
  });

  it('the server keeps JetStream there', async () => {
    server = execa(BINARY, ['-c', path.join(natsDir, 'nats-server.conf')], { reject: false, all: true, stdin: 'ignore' });
    server.all?.on('data', (d: Buffer) => {
      serverLog = (serverLog + d.toString()).slice(-20_000);
    });
    const control = await until('nats-server to take the control user', async () => {
      if (server?.exitCode !== null) throw new Error(`nats-server exited:\n${serverLog}`);
      return connectAs('control.creds').catch(() => undefined);
    });
    await ensureNatsResources(control, ['web1']);
    expect(existsSync(path.join(store, 'jetstream'))).toBe(true);
    expect(existsSync(path.join(natsDir, 'jetstream'))).toBe(false);
  });

  it('a host added: refused before the reload, let in after it; the others keep their passwords and connections', async () => {
    const web1 = await connectAs('agent-web1.creds', 'web1');
    const r = await natsConfig('web1,web2', '--json');
    expect(r.exitCode, show(r)).toBe(0);
    const written = JSON.parse(r.stdout) as { generated: string[] };
    expect(written.generated).toEqual([path.join(natsDir, 'agent-web2.creds')]);
    await expect(connectAs('agent-web2.creds', 'web2')).rejects.toThrow();

    const reload = await execa(BINARY, ['--signal', `reload=${server!.pid}`], { reject: false });
    expect(reload.exitCode, `${reload.stdout}\n${reload.stderr}`).toBe(0);
    const web2 = await until('web2 let in after the reload', () => connectAs('agent-web2.creds', 'web2').catch(() => undefined), 15_000);
    // web2 has its own permissions: its observe subject, answered like an agent does.
    web2.subscribe(observeSubject('web2'), { callback: (_e, m) => void m.respond('here') });
    await web2.flush();
    const control = connections[0]!;
    expect((await control.request(observeSubject('web2'), '', { timeout: 5_000 })).string()).toBe('here');
    expect(web1.isClosed()).toBe(false);
    await web1.flush();
    expect(serverLog).toMatch(/[Rr]eloaded/);
  });
});
