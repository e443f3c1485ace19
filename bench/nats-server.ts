// A real nats-server with JetStream for a benchmark: free loopback port, its own store under /tmp,
// killed by the pid we started (never by name) and removed afterwards. Minimal copy of test/helpers'.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { onCleanup } from './cleanup.js';

export interface BenchNats {
  url: string;
  pid: number;
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
  const dir = mkdtempSync('/tmp/bench-nats-');
  const storeDir = path.join(dir, 'store');
  const port = await freePort();
  const config = path.join(dir, 'nats-server.conf');
  writeFileSync(config, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${storeDir}" }\n`);
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
  return { url, pid: child.pid!, storeDir, stop };
}
