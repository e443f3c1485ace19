// A 3-node cluster from `locker nats-config --cluster` on real nats-servers: the servers form a JetStream
// cluster; `--nats` takes the list (a dead first server is skipped); Locker's streams and buckets get 3
// replicas (auto), the number chosen with --nats-replicas, never lowered by auto while a server is down;
// a number JetStream cannot place is a USAGE error naming the option.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanUp } from '../helpers/clean-up.js';
import { clusterPorts } from '../helpers/nats-cluster.js';
import { placements } from '../helpers/nats-monitor.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

let work = '';
let natsDir = '';
const servers: NatsServer[] = [];
let single: NatsServer | undefined;
let url = '';
let controlCreds = '';

const locker = (...args: string[]) => runLocker(args, { cwd: work });
const control = (...args: string[]) => locker(...args, '--nats', url, '--creds', controlCreds);
const replicasNow = async () => Object.fromEntries((await placements(url, controlCreds)).map((p) => [p.name, p.replicas]));
const every = (n: number) => ({
  KV_locker_agents: n,
  KV_locker_locks: n,
  LOCKER_EVENTS: n,
  LOCKER_JOBS: n,
  LOCKER_RESULTS: n,
});

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'locker-nats-cluster-'));
  natsDir = path.join(work, 'nats');
  const ports = await clusterPorts(3);
  url = ports.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const gen = await locker('nats-config', '--cluster', '--host', 'web1,web2', '-o', natsDir, '--nats', url, '--json');
  expect(gen.exitCode, show(gen)).toBe(0);
  const written = JSON.parse(gen.stdout) as { configFiles: string[]; storeDirs: string[]; url: string; controlCreds: string };
  expect(written.url).toBe(url);
  expect(written.configFiles.map((f) => path.basename(f))).toEqual(['nats-server-1.conf', 'nats-server-2.conf', 'nats-server-3.conf']);
  expect(new Set(written.storeDirs).size).toBe(3);
  controlCreds = written.controlCreds;
  const started = await Promise.allSettled(
    written.configFiles.map((file, i) => startNatsServer({ port: ports[i], config: () => readFileSync(file, 'utf8') })),
  );
  for (const r of started) if (r.status === 'fulfilled') servers.push(r.value);
  for (const r of started) if (r.status === 'rejected') throw r.reason;
});

afterAll(async () => {
  await cleanUp([
    ...servers.map((s) => () => s.stop()),
    async () => single?.stop(),
    async () => work && rmSync(work, { recursive: true, force: true }),
  ]);
});

describe('a 3-node NATS cluster written by nats-config --cluster', () => {
  it('forms one JetStream cluster: the control point makes every stream and bucket with 3 replicas', async () => {
    // Until the servers elect their JetStream leader, JetStream does not answer.
    await until('the cluster to answer `locker hosts`', async () => ((await control('hosts')).exitCode === 0 ? true : undefined));
    expect(await replicasNow()).toEqual(every(3));
    const all = await placements(url, controlCreds);
    for (const p of all) expect(new Set(p.peers), p.name).toEqual(new Set(['locker-1', 'locker-2', 'locker-3']));
  });

  it('--nats-replicas 1 lowers them; auto raises them back', async () => {
    const one = await control('hosts', '--nats-replicas', '1');
    expect(one.exitCode, show(one)).toBe(0);
    expect(await replicasNow()).toEqual(every(1));
    const auto = await control('hosts');
    expect(auto.exitCode, show(auto)).toBe(0);
    expect(await replicasNow()).toEqual(every(3));
  });

  it('LOCKER_NATS_REPLICAS chooses too; a number JetStream cannot place is a USAGE error naming the option', async () => {
    const r = await runLocker(['hosts', '--nats', url, '--creds', controlCreds], { cwd: work, env: { LOCKER_NATS_REPLICAS: '5' } });
    expect(r.exitCode, show(r)).toBe(1);
    expect(r.stderr).toMatch(/^error\[USAGE\] NATS cannot keep 5 replicas of LOCKER_JOBS/m);
    expect(r.stderr).toMatch(/^hint: .*--nats-replicas/m);
    expect(await replicasNow()).toEqual(every(3));
  });

  it('with a server of the list down, clients use the others; auto does not lower the streams', async () => {
    await servers[0]!.kill('SIGKILL');
    // The streams the killed server led elect new leaders meanwhile: the control point waits for them.
    const r = await control('hosts');
    expect(r.exitCode, show(r)).toBe(0);
    expect(await replicasNow()).toEqual(every(3));
    await servers[0]!.restart();
  });

  it('on a single server, auto gives 1 replica and --nats-replicas 3 is refused', async () => {
    single = await startNatsServer();
    const auto = await locker('hosts', '--nats', single.url);
    expect(auto.exitCode, show(auto)).toBe(0);
    expect(Object.fromEntries((await placements(single.url)).map((p) => [p.name, p.replicas]))).toEqual(every(1));
    const three = await locker('hosts', '--nats', single.url, '--nats-replicas', '3');
    expect(three.exitCode, show(three)).toBe(1);
    expect(three.stderr).toMatch(/^error\[USAGE\] NATS cannot keep 3 replicas of LOCKER_JOBS/m);
    expect(three.stderr).toMatch(/^hint: the server reports no cluster/m);
  });
});
