// `locker nats-config --cluster --host A,B,C [-o DIR] [--nats URL1,URL2,URL3]`: one configuration per
// server of a JetStream cluster, with the same users, routes between the servers and a store folder each.

import path from 'node:path';
import { parseNatsServers } from '../../nats/connect.js';
import { CLUSTER_NAME, ROUTE_PORT_OFFSET } from '../../nats/cluster-members.js';
import type { CliArgs } from '../args.js';
import { printJson, type Io } from '../output.js';
import { jetstreamStore, listenAddress } from './nats-config.js';

/** Without --nats: three servers on this machine, for trying a cluster out. */
const DEFAULT_SERVERS = ['127.0.0.1:4222', '127.0.0.1:4223', '127.0.0.1:4224'];

export async function natsClusterConfigCommand(cli: CliArgs, io: Io, hosts: string[], dir: string): Promise<number> {
  const servers = cli.options.nats === undefined ? DEFAULT_SERVERS : parseNatsServers(cli.options.nats).map(listenAddress);
  const storeDir = jetstreamStore(cli, dir);
  const { writeNatsConfig } = await import('../../nats/write-nats-config.js');
  const written = await writeNatsConfig(dir, { hosts, listen: servers[0]!, storeDir, cluster: servers });
  const url = servers.map((s) => `nats://${s}`).join(',');
  const start = written.configFiles.map((f) => `nats-server -c ${f}`);
  if (cli.options.json) {
    printJson(io, { ...written, servers, url, start });
    return 0;
  }
  const state = (file: string) => (written.generated.includes(file) ? 'new password' : 'kept');
  const routeCreds = path.join(dir, 'route.creds');
  io.out(
    [
      `Wrote a cluster "${CLUSTER_NAME}" of ${servers.length} servers (routes on each client port + ${ROUTE_PORT_OFFSET}):`,
      ...written.configFiles.map((f, i) => `  ${f}: clients ${servers[i]}, JetStream in ${written.storeDirs[i]}`),
      `  routes between the servers: ${routeCreds} (${state(routeCreds)})`,
      `  control point: ${written.controlCreds} (${state(written.controlCreds)})`,
      ...hosts.map((h) => `  agent ${h}: ${written.agentCreds[h]} (${state(written.agentCreds[h]!)})`),
      '',
      'Start each server (on its own machine, or all here for a try):',
      ...start.map((s) => `  ${s}`),
      `Agents and control point take the list: --nats ${url}`,
      `Copy each agent-HOST.creds to its host, then there: locker agent --host HOST --nats ${url} --creds agent-HOST.creds`,
      `Control point:      LOCKER_NATS_CREDS=${written.controlCreds} locker plan --nats ${url}`,
    ].join('\n'),
  );
  return 0;
}
