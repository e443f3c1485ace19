// A real nats-server with JetStream for a benchmark (or a 3-node cluster of them): free loopback ports, a
// store under /tmp each, killed by the pids we started (never by name) and removed afterwards.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { onCleanup } from './cleanup.js';

export interface BenchNats {
  /** One URL, or the cluster's URLs separated by commas (what `--nats` takes). */
  url: string;
  /** The first server's pid. */
  pid: number;
  /** Every server's pid. */
  pids: number[];
  storeDir: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startNats(): Promise<BenchNats> {
  const port = await freePort();
  return launch(port, (storeDir) => `listen: 127.0.0.1:${port}\njetstream { store_dir: "${storeDir}" }\n`);
}

/**
 * Three servers in one JetStream cluster (the layout `locker nats-config --cluster` writes, without
 * users): ready once JetStream answers, i.e. the cluster elected its metadata leader.
 */
export async function startNatsCluster(count = 3): Promise<BenchNats> {
  const ports: number[] = [];
  const routes: number[] = [];
  while (ports.length < count) {
    const [p, r] = [await freePort(), await freePort()];
    if (p !== r && !ports.includes(p) && !routes.includes(r) && !ports.includes(r) && !routes.includes(p)) {
      ports.push(p);
      routes.push(r);
    }
  }
  const servers = await Promise.all(
    ports.map((port, i) =>
      launch(port, (storeDir) =>
        [
          `server_name: bench-${i + 1}`,
          `listen: 127.0.0.1:${port}`,
          `jetstream { store_dir: "${storeDir}" }`,
          `cluster { name: bench, listen: 127.0.0.1:${routes[i]}, routes: [${routes.map((r) => `"nats-route://127.0.0.1:${r}"`).join(', ')}] }`,
          '',
        ].join('\n'),
      ),
    ),
  );
  const url = servers.map((s) => s.url).join(',');
  const deadline = Date.now() + 30_000;
  const nc = await connect({ servers: servers.map((s) => s.url) });
  try {
    for (;;) {
      try {
        await (await jetstreamManager(nc)).getAccountInfo();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`the nats-server cluster did not elect a JetStream leader: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  } finally {
    await nc.close();
  }
  return {
    url,
    pid: servers[0]!.pid,
    pids: servers.map((s) => s.pid),
    storeDir: servers[0]!.storeDir,
    stop: async () => {
      for (const s of servers) await s.stop();
    },
  };
}

async function launch(port: number, configText: (storeDir: string) => string): Promise<BenchNats> {
  const dir = mkdtempSync('/tmp/bench-nats-');
  const storeDir = path.join(dir, 'store');
  const config = path.join(dir, 'nats-server.conf');
  writeFileSync(config, configText(storeDir));
  const child = spawn('/usr/sbin/nats-server', ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-10_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup(`nats-server pid ${child.pid}`, async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
    try {
      await (await connect({ servers: url, timeout: 500, reconnect: false })).close();
      break;
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`nats-server not ready at ${url}: ${(e as Error).message}\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, pid: child.pid!, pids: [child.pid!], storeDir, stop };
}
