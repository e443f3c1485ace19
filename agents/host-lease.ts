// A host's heartbeat key as a lease: one agent per host name, on whatever machine. Every write is a
// compare-and-set on the revision this agent wrote last, so a second agent can neither slip in nor go unnoticed.

import { JetStreamApiCodes, JetStreamApiError, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { LockerError } from '../src/errors.js';
import { isProcessAlive } from '../src/lock/holder.js';
import { createAgentsBucket, readHeartbeat, type StoredHeartbeat } from '../src/nats/agents-bucket.js';
import { parseHeartbeat, publishHeartbeat, type AgentHeartbeat } from '../src/nats/agents-registry.js';
import { DOWN_AFTER_MS, HEARTBEAT_SECONDS } from '../src/nats/names.js';

export interface HostLeaseOptions {
  nc: NatsConnection;
  js: JetStreamClient;
  host: string;
  log(line: string): void;
}

/** What goes into a heartbeat besides the lease's own `instance`. */
export type HeartbeatBody = Omit<AgentHeartbeat, 'instance'>;

const WATCH_EVERY_MS = 250;
// Rounds of "someone else wrote the key between our read and our write": a few mean agents starting at once.
const MAX_ROUNDS = 5;

export class HostLease {
  /** Random per process: a heartbeat carrying it is this agent's own. */
  readonly instance = randomBytes(8).toString('hex');
  private revision?: number;
  private cancelled = false;

  constructor(private readonly o: HostLeaseOptions) {}

  /** Stops a claim that is still watching another agent's heartbeat. */
  cancel(): void {
    this.cancelled = true;
  }

  /**
   * Writes the first heartbeat once no live agent holds the host. A holder is gone when its key was
   * deleted, when it ran on this machine and its pid is dead (a restart after kill -9 waits for
   * nothing), or when it writes nothing for DOWN_AFTER_MS while we watch (by our clock only: the
   * machines' clocks may disagree). Throws AGENT_DUPLICATE naming a live holder.
   */
  async claim(body: HeartbeatBody): Promise<void> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const current = await readHeartbeat(this.o.nc, this.o.host);
      if (current === null || current.value === undefined) {
        if (await this.write(body, current?.revision ?? 0)) return;
        continue;
      }
      const gone = await this.gone(current, (now) => this.held(now));
      if (gone === undefined) continue;
      if (gone === false) return this.cancelledClaim();
      if (await this.write(body, gone.revision)) return;
    }
    throw new LockerError('AGENT_DUPLICATE', `could not claim host ${this.o.host}: other agents keep writing its heartbeat`, {
      hint: 'several agents are starting with this host name at once: run one',
    });
  }

  /**
   * Writes a heartbeat. Throws AGENT_DUPLICATE once another agent took the host over: one that keeps
   * writing the key. A foreign heartbeat that stays still is an older one a restarted server brought
   * back (our own later writes lost with it): the key is taken back as in claim().
   */
  async renew(body: HeartbeatBody): Promise<void> {
    if (this.revision === undefined) return this.claim(body);
    try {
      this.revision = await publishHeartbeat(this.o.js, { ...body, instance: this.instance }, this.revision);
      return;
    } catch (e) {
      if ((e as Error).name === 'JetStreamNotEnabled') {
        // The bucket is gone (a server started over without its store): make it again, and take the key anew.
        await createAgentsBucket(this.o.nc);
        this.revision = undefined;
        return this.claim(body);
      }
      if (!isWrongLastSequence(e)) throw e;
    }
    const current = await readHeartbeat(this.o.nc, this.o.host);
    const holder = current?.value === undefined ? undefined : parseHeartbeat(current.value);
    if (current === null || current.value === undefined || holder?.instance === this.instance) {
      // Deleted by hand, or our own write whose acknowledgement was lost: still ours to write.
      this.revision = current?.revision ?? 0;
      this.revision = await publishHeartbeat(this.o.js, { ...body, instance: this.instance }, this.revision);
      return;
    }
    const gone = await this.gone(current, (now) => this.takenOver(now));
    if (gone === false) return;
    if (gone === undefined) {
      this.revision = undefined;
      return this.claim(body);
    }
    if (!(await this.write(body, gone.revision))) {
      const now = await readHeartbeat(this.o.nc, this.o.host);
      throw this.takenOver(now ?? current);
    }
  }

  /**
   * Whether the holder of `current` is gone (then the stored heartbeat to write over); throws
   * `alive(now)` once it writes again. false: cancelled while watching; undefined: the key was deleted
   * while we looked.
   */
  private async gone(current: StoredHeartbeat, alive: (now: StoredHeartbeat) => LockerError): Promise<StoredHeartbeat | false | undefined> {
    const holder = parseHeartbeat(current.value);
    if (holder?.machine === hostname() && (holder.pid === process.pid || !isProcessAlive(holder.pid))) {
      this.o.log(`host=${this.o.host} taking over from ${describe(holder, current)}: that process is gone`);
      return current;
    }
    this.o.log(
      `host=${this.o.host} its last heartbeat is from ${describe(holder, current)}: ` +
        `watching it for up to ${DOWN_AFTER_MS / 1000} s to see whether that agent is still running`,
    );
    const deadline = Date.now() + DOWN_AFTER_MS;
    while (Date.now() < deadline) {
      if (this.cancelled) return false;
      await sleep(WATCH_EVERY_MS);
      const now = await readHeartbeat(this.o.nc, this.o.host);
      if (now === null || now.value === undefined) return undefined;
      if (now.revision !== current.revision) throw alive(now);
    }
    this.o.log(`host=${this.o.host} taking over from ${describe(holder, current)}: no heartbeat for ${DOWN_AFTER_MS / 1000} s`);
    return current;
  }

  private held(current: StoredHeartbeat): LockerError {
    const holder = parseHeartbeat(current.value);
    return new LockerError('AGENT_DUPLICATE', `host ${this.o.host} already has an agent: ${describe(holder, current)}`, {
      hint:
        `run one agent per host name: stop that one first (it heartbeats every ${HEARTBEAT_SECONDS} s; once it is gone, ` +
        `a new agent takes over after ${DOWN_AFTER_MS / 1000} s without a heartbeat, at once on the same machine)`,
    });
  }

  private takenOver(current: StoredHeartbeat): LockerError {
    const holder = current.value === undefined ? undefined : parseHeartbeat(current.value);
    return new LockerError('AGENT_DUPLICATE', `host ${this.o.host} was taken over by ${describe(holder, current)}: this agent stops`, {
      hint:
        `one agent per host name: the other one serves ${this.o.host} now (it found no heartbeat of this one for ` +
        `${DOWN_AFTER_MS / 1000} s); stop one of them, and start this one again only if the other is gone`,
    });
  }

  private async write(body: HeartbeatBody, expect: number): Promise<boolean> {
    try {
      this.revision = await publishHeartbeat(this.o.js, { ...body, instance: this.instance }, expect);
      return true;
    } catch (e) {
      if (isWrongLastSequence(e)) return false;
      throw e;
    }
  }

  private cancelledClaim(): never {
    throw new LockerError('AGENT_DUPLICATE', `stopped while waiting to claim host ${this.o.host}`);
  }
}

function describe(holder: AgentHeartbeat | undefined, stored: StoredHeartbeat): string {
  if (holder === undefined) return `an agent this version cannot read (heartbeat revision ${stored.revision})`;
  const machine = holder.machine ?? 'an unknown machine';
  return `pid ${holder.pid} on ${machine} (lxcpath ${holder.lxcpath}, locker ${holder.version}, last heartbeat stored ${stored.storedAt.toISOString()})`;
}

function isWrongLastSequence(e: unknown): boolean {
  return (
    e instanceof JetStreamApiError &&
    (e.code === JetStreamApiCodes.StreamWrongLastSequence || e.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
