// Writes a nats-server configuration and the credentials files of its users into one folder.
// Credentials already in the folder are kept, so adding a host never locks the others out.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readCredentials, type NatsCredentials } from './connect.js';
import { ROUTE_USER, clusterMembers } from './cluster-members.js';
import { CONTROL_USER, agentUser, renderNatsConfig } from './nats-config.js';

export interface WriteNatsConfigOptions {
  hosts: string[];
  /** `host:port` the server listens on. */
  listen: string;
  storeDir: string;
  /**
   * A cluster: `host:port` of each server (3 or more), written as nats-server-N.conf with its own
   * store folder (storeDir/locker-N); `listen` is then unused.
   */
  cluster?: string[];
}

export interface WrittenNatsConfig {
  configFile: string;
  /** Every configuration written: one, or one per server of a cluster (configFile is the first). */
  configFiles: string[];
  /** The JetStream store folder of each configuration. */
  storeDirs: string[];
  controlCreds: string;
  /** Credentials file of each host's agent. */
  agentCreds: Record<string, string>;
  /** Files whose passwords were generated now (the others were kept). */
  generated: string[];
}

export { CONTROL_USER };

export async function writeNatsConfig(dir: string, options: WriteNatsConfigOptions): Promise<WrittenNatsConfig> {
  await mkdir(dir, { recursive: true });
  const generated: string[] = [];
  const credentials = (file: string, user: string): NatsCredentials => {
    // A file from an earlier run keeps its password only if it is still the same user's.
    if (existsSync(file)) {
      const kept = readCredentials(file);
      if (kept.user === user) return kept;
    }
    generated.push(file);
    return { user, password: randomBytes(24).toString('base64url') };
  };
  const controlCreds = path.join(dir, 'control.creds');
  const control = credentials(controlCreds, CONTROL_USER);
  const agentCreds: Record<string, string> = {};
  const agents = options.hosts.map((host) => {
    const file = path.join(dir, `agent-${host}.creds`);
    agentCreds[host] = file;
    return { host, ...credentials(file, agentUser(host)) };
  });
  const routeCreds = path.join(dir, 'route.creds');
  const route = options.cluster ? credentials(routeCreds, ROUTE_USER) : undefined;
  // Rendering validates the hosts and servers: nothing is written for a bad list.
  const configs = route
    ? clusterMembers(options.cluster!, route).map((cluster, i) => {
        const storeDir = path.join(options.storeDir, cluster.serverName);
        const config = renderNatsConfig({ listen: options.cluster![i]!, storeDir, control, agents, cluster });
        return { file: path.join(dir, `nats-server-${i + 1}.conf`), storeDir, config };
      })
    : [
        {
          file: path.join(dir, 'nats-server.conf'),
          storeDir: options.storeDir,
          config: renderNatsConfig({ listen: options.listen, storeDir: options.storeDir, control, agents }),
        },
      ];
  await writePrivate(controlCreds, credsText(control));
  for (const agent of agents) await writePrivate(agentCreds[agent.host]!, credsText(agent));
  // The servers' own password for their routes, kept like the others so a rewrite does not split the cluster.
  if (route) await writePrivate(routeCreds, credsText(route));
  for (const c of configs) await writePrivate(c.file, c.config);
  const configFiles = configs.map((c) => c.file);
  return { configFile: configFiles[0]!, configFiles, storeDirs: configs.map((c) => c.storeDir), controlCreds, agentCreds, generated };
}

function credsText(c: NatsCredentials): string {
  return `${JSON.stringify({ user: c.user, password: c.password })}\n`;
}

/** Mode 0600 from the first byte (a temporary file, renamed into place), even over an older, wider file. */
async function writePrivate(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
  await chmod(temp, 0o600); // a strict umask may have taken the owner's bits too
  await rename(temp, file);
}
