// Starts Debian's real nats-server for a test: a free loopback port, its own store folder, its own config.
// Killed by the pid we started (never by name); a missing binary fails with the command that installs it.

import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';

const BINARY = '/usr/sbin/nats-server';

export interface NatsServer {
  url: string;
  port: number;
  dir: string;
  storeDir: string;
  pid(): number;
  /** The last 20 kB the server printed (since its first start). */
  log(): string;
  /** SIGKILL (or another signal) to the process we started; the store stays. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

export interface NatsServerOptions {
  /** Port to listen on (default: a free one). */
  port?: number;
  /** Extra configuration (e.g. `authorization { ... }`), appended to the generated one. */
  extraConfig?: string;
  /** A whole configuration, given the port and store folder (replaces the generated one). */
  config?: (port: number, storeDir: string) => string;
}

export function requireNatsServer(): void {
  if (!existsSync(BINARY)) {
    throw new Error(`nats-server is missing at ${BINARY}: install it with \`apt-get install -y nats-server\` (or run bin/setup-host)`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ResultPromise, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}:\n${log()}`);
    try {
      const nc = await connect({ servers: url, timeout: 500, reconnect: false });
      await nc.close();
      return;
    } catch (e) {
      // Authorization errors also mean the server is up and listening.
      if (/authoriz/i.test(String((e as Error).message))) return;
      if (Date.now() > deadline) throw new Error(`nats-server did not become ready at ${url}:\n${log()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  requireNatsServer();
  const dir = mkdtempSync(path.join(tmpdir(), 'locker-nats-'));
  const storeDir = path.join(dir, 'store');
  const port = options.port ?? (await freePort());
  const configFile = path.join(dir, 'nats-server.conf');
  const config =
    options.config?.(port, storeDir) ??
    `listen: 127.0.0.1:${port}\njetstream { store_dir: "${storeDir}" }\n${options.extraConfig ?? ''}\n`;
  writeFileSync(configFile, config);
  const url = `nats://127.0.0.1:${port}`;
  let output = '';
  let child!: ResultPromise;

  const launch = async () => {
    child = execa(BINARY, ['-c', configFile], { reject: false, all: true, stdin: 'ignore' });
    child.all?.on('data', (d: Buffer) => {
      output = (output + d.toString()).slice(-20_000);
    });
    await waitReady(url, child, () => output);
  };
  const killNow = async (signal: NodeJS.Signals) => {
    // Killed by a signal, it has no exit code but a signal code; once reaped, its pid may be someone else's.
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    process.kill(child.pid, signal);
    await child;
  };
  await launch();
  return {
    url,
    port,
    dir,
    storeDir,
    pid: () => child.pid ?? -1,
    log: () => output,
    kill: (signal = 'SIGKILL') => killNow(signal),
    restart: launch,
    stop: async () => {
      await killNow('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
