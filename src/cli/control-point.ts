// Where a command's hosts, event log and lock live: in this process (embedded), or behind NATS (many hosts).
// The rest of the CLI sees one shape and never asks which mode runs.

import path from 'node:path';
import type { ObservedHost } from '../../plans/observed.js';
// Not agents/index.js: that also exports the NATS agent, and with it the NATS client.
import { LocalAgent } from '../../agents/local-agent.js';
import { defaultLxcPath } from '../lxc/index.js';
import type { EventStore } from '../events/types.js';
import { openFileEventStore } from '../events/index.js';
import {
  acquireFileLock,
  readLockFile,
  readLockFileHolder,
  removeLockFile,
  type HeldLock,
  type LockHolder,
  type LockWait,
} from '../lock/index.js';
import { InProcessTransport } from '../transport/in-process.js';
import type { Transport } from '../transport/types.js';
import type { CliOptions } from './args.js';

/** What the control point knows of a host whose agent does not answer. */
export interface LastKnownState {
  observed: ObservedHost;
  ageMs: number;
}

export interface LockEntry {
  /** Undefined when the lock names no holder locker can read. */
  holder?: LockHolder;
  /** Where the lock lives: a file, or `bucket/key`. */
  where: string;
  /** Removes exactly this lock, not one taken since; says whether it did. */
  remove(): Promise<boolean>;
}

export type AgentPresence = { state: 'up' } | { state: 'down'; ageMs: number } | { state: 'never' };

export interface ControlPoint {
  mode: 'embedded' | 'nats';
  transport: Transport;
  /** A transport that also sees job results published since `since` (a resumed run's earlier jobs). */
  replayTransport(since: Date): Promise<Transport>;
  openStore(): Promise<EventStore>;
  /** Takes the project lock, waiting for a live holder as `wait` says; a dead holder's is taken over. */
  acquireLock(command: string, wait: LockWait): Promise<HeldLock>;
  /** The project lock as it is now, whoever holds it, dead or alive: what `locker unlock` releases. */
  inspectLock(): Promise<LockEntry | undefined>;
  /** The state an absent agent last reported (NATS mode), so its host can still be planned. */
  lastKnownState(host: string): Promise<LastKnownState | undefined>;
  /** Every host whose agent has ever reported (NATS mode); none in one process. */
  reportedHosts(): Promise<string[]>;
  /** Whether the agent of a host is up now; `never` when none has reported as that host. */
  agentPresence(host: string): Promise<AgentPresence>;
  /** The live process holding the project's lock, if any. */
  lockHolder(): Promise<LockHolder | undefined>;
  close(): Promise<void>;
}

export async function openEmbeddedControlPoint(options: CliOptions, project: string, stateDir: string): Promise<ControlPoint> {
  const lxcpath = options.lxcpath ?? (await defaultLxcPath());
  const transport = new InProcessTransport([new LocalAgent({ host: 'local', lxcpath })]);
  const lockFile = path.join(stateDir, 'apply.lock');
  return {
    mode: 'embedded',
    transport,
    // In one process nothing was published: every step runs again (and adopts what is done).
    replayTransport: async () => transport,
    openStore: () => openFileEventStore(stateDir, project),
    acquireLock: (command, wait) => acquireFileLock(lockFile, { command }, wait),
    inspectLock: async () => {
      const found = await readLockFile(lockFile);
      return found && { holder: found.holder, where: lockFile, remove: () => removeLockFile(lockFile, found.text) };
    },
    lastKnownState: async () => undefined,
    reportedHosts: async () => [],
    agentPresence: async () => ({ state: 'up' }),
    lockHolder: () => readLockFileHolder(lockFile),
    close: async () => {},
  };
}

export async function openNatsControlPoint(options: CliOptions & { nats: string }, project: string, hosts: string[]): Promise<ControlPoint> {
  const { LOCKS_BUCKET, connectNats, ensureNatsResources, getAgent, listAgentHosts, refusalOf, whileElecting } = await import('../nats/index.js');
  const { NatsTransport } = await import('../transport/nats-transport.js');
  const { openJetStreamEventStore } = await import('../events/jetstream-store.js');
  const { acquireKvLock, readKvLock, readKvLockHolder, removeKvLock } = await import('../lock/kv-lock.js');
  const nc = await connectNats({ url: options.nats, credsFile: options.creds, name: `locker-control ${project}` });
  try {
    await ensureNatsResources(nc, hosts, { replicas: options.natsReplicas });
    // Opening creates a consumer: in a cluster that lost a server, it may wait for an election.
    const transport = await whileElecting('opening the job results', () => NatsTransport.open({ nc }));
    const replays: Transport[] = [];
    return {
      mode: 'nats',
      transport,
      replayTransport: async (since) => {
        const replay = await NatsTransport.open({ nc, resultsSince: since });
        replays.push(replay);
        return replay;
      },
      openStore: () => openJetStreamEventStore(nc, project),
      acquireLock: (command, wait) => acquireKvLock(nc, project, { command }, wait),
      inspectLock: async () => {
        const found = await readKvLock(nc, project);
        return found && { holder: found.holder, where: `${LOCKS_BUCKET}/${project}`, remove: () => removeKvLock(nc, project, found.revision) };
      },
      lastKnownState: async (host) => {
        const agent = await getAgent(nc, host);
        if (!agent?.observed) return undefined;
        return { observed: agent.observed, ageMs: agent.ageMs };
      },
      reportedHosts: () => listAgentHosts(nc),
      agentPresence: async (host) => {
        const agent = await getAgent(nc, host);
        if (agent === undefined) return { state: 'never' };
        return agent.up ? { state: 'up' } : { state: 'down', ageMs: agent.ageMs };
      },
      lockHolder: () => readKvLockHolder(nc, project),
      close: async () => {
        for (const t of replays) await t.close();
        await transport.close();
        await nc.drain();
      },
    };
  } catch (e) {
    await nc.close();
    // The first JetStream calls are where a user without the control point's rights is refused.
    throw refusalOf(nc, e) ?? e;
  }
}
