// An agent's heartbeat: every HEARTBEAT_SECONDS its host, pid, version and last observed state go to
// the agents bucket. It observes again only when a job finished since, never once per job.

import type { JetStreamClient } from '@nats-io/jetstream';
import type { ObservedHost } from '../plans/observed.js';
import { toLockerError } from '../src/errors.js';
import { publishHeartbeat } from '../src/nats/agents-registry.js';
import { HEARTBEAT_SECONDS } from '../src/nats/names.js';

export interface HeartbeatOptions {
  js: JetStreamClient;
  host: string;
  lxcpath: string;
  version: string;
  observe(): Promise<ObservedHost>;
  log(line: string): void;
}

export class Heartbeat {
  private observed?: ObservedHost;
  private stale = true;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private stopped = false;
  private failing?: string;

  constructor(private readonly o: HeartbeatOptions) {}

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
    clearTimeout(this.timer);
    await this.beating;
  }

  private async beat(): Promise<void> {
    if (this.stale) {
      // Cleared before observing: a job finishing meanwhile marks it stale again for the next beat.
      this.stale = false;
      try {
        this.observed = await this.o.observe();
      } catch (e) {
        this.stale = true;
        this.report('observing the host', e);
      }
    }
    try {
      await publishHeartbeat(this.o.js, {
        host: this.o.host,
        lxcpath: this.o.lxcpath,
        pid: process.pid,
        version: this.o.version,
        at: new Date().toISOString(),
        ...(this.observed ? { observed: this.observed } : {}),
      });
      this.recovered();
    } catch (e) {
      this.report('publishing the heartbeat', e);
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => {
        this.beating = this.beat();
      }, HEARTBEAT_SECONDS * 1000);
    }
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
