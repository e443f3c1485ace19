// `locker nats-config --host A,B,C [-o DIR] [--nats URL] [--store DIR]`: a nats-server configuration with
// one user per agent and one for the control point, and their credentials files.

import path from 'node:path';
import { LockerError } from '../../errors.js';
import type { CliArgs } from '../args.js';
import { printJson, type Io } from '../output.js';

const DEFAULT_LISTEN = '0.0.0.0:4222';
const DEFAULT_PORT = '4222';

export async function natsConfigCommand(cli: CliArgs, io: Io): Promise<number> {
  const hosts = parseHosts(cli.options.host);
  const dir = path.resolve(cli.options.out ?? 'nats');
  if (cli.options.cluster) return (await import('./nats-cluster-config.js')).natsClusterConfigCommand(cli, io, hosts, dir);
  const listen = cli.options.nats === undefined ? DEFAULT_LISTEN : listenAddress(cli.options.nats);
  const { writeNatsConfig } = await import('../../nats/write-nats-config.js');
  const storeDir = jetstreamStore(cli, dir);
  const written = await writeNatsConfig(dir, { hosts, listen, storeDir });
  const start = `nats-server -c ${written.configFile}`;
  if (cli.options.json) {
    printJson(io, { ...written, listen, start });
    return 0;
  }
  const state = (file: string) => (written.generated.includes(file) ? 'new password' : 'kept');
  io.out(
    [
      `Wrote ${written.configFile} (listen ${listen}, JetStream in ${storeDir})`,
      `  control point: ${written.controlCreds} (${state(written.controlCreds)})`,
      ...hosts.map((h) => `  agent ${h}: ${written.agentCreds[h]} (${state(written.agentCreds[h]!)})`),
      '',
      `Start the server:   ${start}`,
      'After adding a host (this command again, with the longer --host list): nats-server --signal reload=PID',
      'Copy each agent-HOST.creds to its host, then there: locker agent --host HOST --nats URL --creds agent-HOST.creds',
      `Control point:      LOCKER_NATS_CREDS=${written.controlCreds} locker plan --nats URL`,
    ].join('\n'),
  );
  return 0;
}

/** `--store DIR` (relative to the current folder), or the `jetstream` folder next to the configuration. */
export function jetstreamStore(cli: CliArgs, dir: string): string {
  if (cli.options.store === undefined) return path.join(dir, 'jetstream');
  if (cli.options.store.trim() === '') throw new LockerError('USAGE', '--store needs a folder, e.g. --store /var/lib/nats');
  return path.resolve(cli.options.store);
}

function parseHosts(value: string | undefined): string[] {
  const hosts = (value ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  if (hosts.length === 0) {
    throw new LockerError('USAGE', 'nats-config needs --host with the agents\' host names, e.g. --host web1,web2', {
      hint: 'each host gets a NATS user that may touch only its own jobs, results and heartbeat',
    });
  }
  return hosts;
}

/** `nats://0.0.0.0:4222` -> `0.0.0.0:4222`: the URL clients use names where the server listens. */
export function listenAddress(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url.includes('://') ? url : `nats://${url}`);
  } catch {
    throw new LockerError('USAGE', `--nats must be a URL like nats://0.0.0.0:4222, got "${url}"`);
  }
  if (parsed.hostname === '' || parsed.pathname.replace(/^\/$/, '') !== '' || parsed.username !== '') {
    throw new LockerError('USAGE', `--nats must be a URL like nats://0.0.0.0:4222, got "${url}"`, {
      hint: 'nats-config takes the address to listen on; credentials go into the files it writes',
    });
  }
  return `${parsed.hostname}:${parsed.port || DEFAULT_PORT}`;
}
