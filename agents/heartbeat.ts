// An agent's heartbeat: every HEARTBEAT_SECONDS its host, pid, machine, version and last observed state
// go to the agents bucket, through the host's lease. It observes again only when a job finished since,
// never once per job, and an observation never delays a beat.

import { hostname } from 'node:os';
import type { ObservedHost } from '../plans/observed.js';
import { LockerError, toLockerError } from '../src/errors.js';
import { HEARTBEAT_SECONDS } from '../src/nats/names.js';
import type { HeartbeatBody, HostLease } from './host-lease.js';

export interface HeartbeatOptions {
  lease: HostLease;
  host: string;
  lxcpath: string;
  version: string;
  observe(): Promise<ObservedHost>;
  log(line: string): void;
  /** The server's refusal of this agent's user as NATS_AUTH, or undefined for any other error. */
  refused(e: unknown): LockerError | undefined;
  /** The heartbeat can go on no longer: another agent took the host, or the server refuses this user. */
  fatal(e: LockerError): void;
}

export class Heartbeat {
  private observed?: ObservedHost;
  private stale = true;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private observing?: Promise<void>;
  /** Writes one at a time: each is a compare-and-set on the revision the previous one wrote. */
  private publishing: Promise<void> = Promise.resolve();
  private stopped = false;
  private failed = false;
  private failing?: string;

  constructor(private readonly o: HeartbeatOptions) {}

  /** The first heartbeat, before the agent takes any job: it claims the host (AGENT_DUPLICATE when a live agent has it). */
  async claim(): Promise<void> {
    try {
      await this.o.lease.claim(this.body());
    } catch (e) {
      throw this.o.refused(e) ?? e;
    }
  }

  start(): void {
    this.beating = this.beat();
  }

  /** A job changed the host: the next heartbeat observes it again. */
  jobFinished(): void {
    this.stale = true;
  }

  /** A fresh observation made for someone else (an observe request) serves the heartbeat too. */
  remember(observed: ObservedHost): void {
    this.observed = observed;
    this.stale = false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.o.lease.cancel();
    clearTimeout(this.timer);
    await this.beating;
    await this.observing;
    await this.publishing;
  }

  private async beat(): Promise<void> {
    if (this.stale && this.observing === undefined) this.observeInBackground();
    await this.publish();
    if (!this.stopped && !this.failed) {
      this.timer = setTimeout(() => {
        this.beating = this.beat();
      }, HEARTBEAT_SECONDS * 1000);
    }
  }

  private observeInBackground(): void {
    // Cleared before observing: a job finishing meanwhile marks it stale again for the next beat.
    this.stale = false;
    this.observing = this.o
      .observe()
      .then(
        (observed) => {
          this.observed = observed;
          // Published as soon as it is known, not at the next beat.
          return this.publish();
        },
        (e: unknown) => {
          this.stale = true;
          this.report('observing the host', e);
        },
      )
      .finally(() => {
        this.observing = undefined;
      });
  }

  private publish(): Promise<void> {
    this.publishing = this.publishing.then(() => this.publishOnce());
    return this.publishing;
  }

  private async publishOnce(): Promise<void> {
    if (this.failed || this.stopped) return;
    try {
      await this.o.lease.renew(this.body());
      this.recovered();
    } catch (e) {
      const fatal = this.o.refused(e) ?? (e instanceof LockerError && e.code === 'AGENT_DUPLICATE' ? e : undefined);
      if (fatal === undefined) return this.report('publishing the heartbeat', e);
      this.failed = true;
      clearTimeout(this.timer);
      this.o.fatal(fatal);
    }
  }

  private body(): HeartbeatBody {
    return {
      host: this.o.host,
      lxcpath: this.o.lxcpath,
      pid: process.pid,
      machine: hostname(),
      version: this.o.version,
      at: new Date().toISOString(),
      ...(this.observed ? { observed: this.observed } : {}),
    };
  }

  // Logged when a failure starts and when it ends, not every two seconds while NATS is away.
  private report(what: string, e: unknown): void {
    const line = `${what} failed: ${toLockerError(e).message}`;
    if (this.failing === line) return;
    this.failing = line;
    this.o.log(`host=${this.o.host} heartbeat: ${line} (retrying every ${HEARTBEAT_SECONDS}s)`);
  }

  private recovered(): void {
    if (this.failing === undefined) return;
    this.failing = undefined;
    this.o.log(`host=${this.o.host} heartbeat: published again`);
  }
}
