// A nats-server configuration for Locker: JetStream, one user for the control point, one per agent
// whose permissions cover only that host's subjects. Pure: text in, text out.

import { LockerError } from '../errors.js';
import { HOST_NAME_RULE, isHostName } from '../rules/names.js';
import type { NatsClusterMember } from './cluster-members.js';
import {
  JOBS_STREAM,
  agentInboxPrefix,
  agentsStreamCreateSubject,
  execOutputSubject,
  execSubject,
  heartbeatReadSubject,
  heartbeatSubject,
  jobConsumer,
  observeSubject,
  resultSubject,
} from './names.js';

export interface NatsUser {
  user: string;
  password: string;
}

export interface NatsConfigInput {
  /** `host:port` the server listens on. */
  listen: string;
  /** Where JetStream keeps streams and buckets. */
  storeDir: string;
  control: NatsUser;
  agents: Array<NatsUser & { host: string }>;
  /** Set for one server of a cluster (`locker nats-config --cluster`). */
  cluster?: NatsClusterMember;
}

export const agentUser = (host: string) => `agent-${host}`;
/** The control point's user: no permissions block, it manages JetStream and publishes for every host. */
export const CONTROL_USER = 'control';

export function assertHostName(host: string): void {
  // Host names become subject tokens: no wildcards, no spaces, no empty tokens (src/rules/names.ts).
  if (!isHostName(host)) {
    throw new LockerError('USAGE', `bad host name "${host}"`, { hint: HOST_NAME_RULE });
  }
}

/**
 * What an agent's user may do, and nothing more. Publish: the JetStream API calls of a pull
 * consumer bound to its own durable (info, next message), acks of that consumer's messages, its
 * results and its heartbeat (a KV put is a publish on the key's subject); reading back its own
 * heartbeat (the lease that keeps a second agent off its host name); creating the agents bucket, so
 * that a fresh agent reports before any control point ran (the one JetStream API call that creates
 * anything; it cannot change or delete a stream that exists); the output of the commands `locker exec`
 * runs on its host. Subscribe: its observe and exec requests and its own inbox, where every reply it
 * asked for arrives. allow_responses lets it answer an observe or exec request on the requester's reply
 * subject, once, without a standing grant.
 */
export function agentPermissions(host: string): { publish: string[]; subscribe: string[] } {
  const consumer = jobConsumer(host);
  return {
    publish: [
      `$JS.API.CONSUMER.INFO.${JOBS_STREAM}.${consumer}`,
      `$JS.API.CONSUMER.MSG.NEXT.${JOBS_STREAM}.${consumer}`,
      `$JS.ACK.${JOBS_STREAM}.${consumer}.>`,
      resultSubject(host),
      heartbeatSubject(host),
      heartbeatReadSubject(host),
      agentsStreamCreateSubject(),
      execOutputSubject('*', host),
    ],
    subscribe: [observeSubject(host), execSubject(host), `${agentInboxPrefix(host)}.>`],
  };
}

export function renderNatsConfig(input: NatsConfigInput): string {
  assertDistinctAgents(input.agents.map((a) => a.host));
  const users = [renderUser(input.control), ...input.agents.map((a) => renderUser(a, agentPermissions(a.host)))];
  return [
    '# Written by `locker nats-config`. It holds passwords: keep it readable by the server only.',
    ...(input.cluster ? [`server_name: ${quote(input.cluster.serverName)}`] : []),
    `listen: ${quote(input.listen)}`,
    '',
    'jetstream {',
    `  store_dir: ${quote(input.storeDir)}`,
    '}',
    '',
    ...(input.cluster ? renderCluster(input.cluster) : []),
    'authorization {',
    '  users = [',
    ...users,
    '  ]',
    '}',
    '',
  ].join('\n');
}

function renderCluster(c: NatsClusterMember): string[] {
  const credentials = `${encodeURIComponent(c.route.user)}:${encodeURIComponent(c.route.password)}`;
  return [
    'cluster {',
    `  name: ${quote(c.name)}`,
    `  listen: ${quote(c.listen)}`,
    `  authorization { user: ${quote(c.route.user)}, password: ${quote(c.route.password)} }`,
    '  routes = [',
    ...c.routes.map((r) => `    ${quote(`nats-route://${credentials}@${r}`)}`),
    '  ]',
    '}',
    '',
  ];
}

function renderUser(u: NatsUser, permissions?: { publish: string[]; subscribe: string[] }): string {
  const head = `user: ${quote(u.user)}, password: ${quote(u.password)}`;
  // No permissions block: the control point manages JetStream and publishes for every host.
  if (!permissions) return `    { ${head} }`;
  const list = (subjects: string[]) => `[${subjects.map(quote).join(', ')}]`;
  return [
    `    { ${head}, permissions: {`,
    `        publish: { allow: ${list(permissions.publish)} }`,
    `        subscribe: { allow: ${list(permissions.subscribe)} }`,
    '        allow_responses: true',
    '    } }',
  ].join('\n');
}

/** Two hosts whose consumer or inbox names coincide (`a.b` and `a_b`) would share each other's jobs. */
function assertDistinctAgents(hosts: string[]): void {
  const seen = new Map<string, string>();
  for (const host of hosts) {
    assertHostName(host);
    for (const name of [`host ${host}`, `consumer ${jobConsumer(host)}`, `inbox ${agentInboxPrefix(host)}`]) {
      const other = seen.get(name);
      if (other !== undefined) {
        throw new LockerError('USAGE', `hosts "${other}" and "${host}" would share the NATS ${name.split(' ')[0]} ${name.split(' ')[1]}`, {
          hint: 'name hosts so that they differ by more than `.` against `_`, and list each host once',
        });
      }
      seen.set(name, host);
    }
  }
}

/**
 * A double-quoted string of nats-server's configuration syntax: `\` and `"` escaped, control
 * characters refused (the format has no escape for most of them). `$` needs no escape: variables
 * are expanded only in unquoted values.
 */
function quote(value: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new LockerError('USAGE', `a control character in a NATS configuration value: ${JSON.stringify(value)}`);
  }
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
