// The agent of one host behind NATS: answers observe requests, pulls its jobs from its durable consumer,
// heartbeats. One agent per lxcpath (a lock file) and per host name (a lease on its heartbeat key). With its
// narrow permissions it creates only the agents bucket, and waits for its consumer.

import { jetstream, type Consumer, type JetStreamClient } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import path from 'node:path';
import type { ObservedHost } from '../plans/observed.js';
import { takesSlot } from '../plans/work-slots.js';
import { isLockerError, LockerError, toLockerError } from '../src/errors.js';
import type { HeldLock } from '../src/lock/index.js';
import { createAgentsBucket } from '../src/nats/agents-bucket.js';
import { assertCredentialsFit, unrestrictedWarning, type NatsRole } from '../src/nats/auth.js';
import { readCredentials, refusalOf } from '../src/nats/connect.js';
import { AGENTS_BUCKET, JOBS_STREAM, execSubject, jobConsumer, observeSubject } from '../src/nats/names.js';
import { decodeObserveRequest, jobKindOf, observeReply, type ObserveReply } from '../src/transport/wire/index.js';
import { connectAgent } from './connect-agent.js';
import { Heartbeat } from './heartbeat.js';
import { HostLease } from './host-lease.js';
import { JobJournal } from './job-journal.js';
import { LocalAgent } from './local-agent.js';
import { withHostPaths } from './observe-host-paths.js';
import { serveExec } from './nats-exec.js';
import { JobHandler, type Ticket } from './nats-job-handler.js';
import { lockLxcpath } from './lxcpath-lock.js';

export interface NatsAgentOptions {
  host: string;
  url: string;
  credsFile?: string;
  lxcpath: string;
  /** Where the journal of finished jobs lives; default `<lxcpath>/.locker-agent`. */
  journalDir?: string;
  /** One line per job and per state change of the connection; default stderr. */
  log?: (line: string) => void;
  /** Reported in heartbeats. */
  version?: string;
  /** Jobs run at once (on different containers; one container's jobs always queue). Default 4. */
  concurrency?: number;
  /** How long stop() lets jobs in hand finish before handing them back. Default 60 s. */
  stopGraceMs?: number;
}

export interface RunningNatsAgent {
  /** Stops pulling, lets jobs in hand finish (or hands them back), closes the connection. */
  stop(): Promise<void>;
  /**
   * Settles when the agent has stopped; rejects if its connection closed without stop(), or with the
   * error that stopped it (AGENT_DUPLICATE: another agent took the host; NATS_AUTH: its user was refused).
   */
  done: Promise<void>;
}

/** How long one pull waits for a job: also how long stop() may wait for an idle puller. */
const PULL_EXPIRES_MS = 3_000;
const CONSUMER_RETRY_MS = 2_000;

/**
 * Checks the credentials against the host, takes the lxcpath, connects (saying so, and what fails),
 * makes the agents bucket if it is missing, claims the host with a first heartbeat, then serves.
 */
export async function startNatsAgent(o: NatsAgentOptions): Promise<RunningNatsAgent> {
  const log = o.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const role: NatsRole = { kind: 'agent', host: o.host };
  const identity = { url: o.url, ...(o.credsFile === undefined ? {} : { credsFile: o.credsFile, user: readCredentials(o.credsFile).user }) };
  assertCredentialsFit(identity, role);
  const warning = unrestrictedWarning(identity, role);
  if (warning !== undefined) log(`host=${o.host} warning: ${warning}`);
  const lock = await lockLxcpath(o.lxcpath, o.host);
  const undo: Array<() => Promise<unknown>> = [() => lock.release()];
  try {
    const journal = await JobJournal.open(o.journalDir ?? path.join(o.lxcpath, '.locker-agent'));
    undo.unshift(() => journal.close());
    const nc = await connectAgent({ host: o.host, url: o.url, credsFile: o.credsFile, log });
    undo.unshift(() => nc.close());
    const agent = new NatsAgent(o, nc, journal, lock, log);
    await agent.register();
    return agent.start();
  } catch (e) {
    for (const step of undo) await step().catch(() => undefined);
    throw e;
  }
}

class NatsAgent {
  private readonly js: JetStreamClient;
  private readonly agent: LocalAgent;
  private readonly heartbeat: Heartbeat;
  private readonly handler: JobHandler;
  private readonly tickets = new Set<Ticket>();
  private observeSub?: Subscription;
  private execSub?: Subscription;
  private observing?: Promise<ObservedHost>;
  private puller?: Promise<void>;
  /** Jobs in hand, settled or not. */
  private readonly handling = new Set<Promise<void>>();
  /** Jobs in hand that take a slot (takesSlot: not stops); a free slot is what lets the puller ask for the next job. */
  private readonly slotted = new Set<Promise<void>>();
  private stopping = false;
  private givingUp = false;
  private stopped?: Promise<void>;
  /** What stopped the agent by itself, if anything did. */
  private fatal?: LockerError;

  constructor(
    private readonly o: NatsAgentOptions,
    private readonly nc: NatsConnection,
    private readonly journal: JobJournal,
    private readonly lock: HeldLock,
    private readonly log: (line: string) => void,
  ) {
    this.js = jetstream(nc);
    this.agent = new LocalAgent({ host: o.host, lxcpath: o.lxcpath });
    this.heartbeat = new Heartbeat({
      lease: new HostLease({ nc, js: this.js, host: o.host, log }),
      host: o.host,
      lxcpath: o.lxcpath,
      version: o.version ?? 'unknown',
      observe: () => this.observe(),
      log,
      refused: (e) => refusalOf(nc, e),
      fatal: (e) => this.fail(e),
    });
    this.handler = new JobHandler({
      host: o.host,
      agent: this.agent,
      js: this.js,
      journal,
      log,
      onFinished: () => this.heartbeat.jobFinished(),
      givingUp: () => this.givingUp,
    });
  }

  /**
   * Makes the agents bucket if it is missing and claims the host with a first heartbeat: from here on
   * `locker hosts` lists this agent. Only a refused user or a live agent on the host stop it; anything
   * else (JetStream not ready, a cluster electing a leader) is said and retried.
   */
  async register(): Promise<void> {
    let failure: string | undefined;
    for (;;) {
      try {
        await createAgentsBucket(this.nc);
        await this.heartbeat.claim();
        return;
      } catch (e) {
        const fatal = refusalOf(this.nc, e) ?? (isLockerError(e) && e.code === 'AGENT_DUPLICATE' ? e : undefined);
        if (fatal) throw fatal;
        let text = toLockerError(e).message;
        if (/jetstream is not enabled/i.test(text)) text += ' (does the server run with JetStream? `nats-server -js`, or a jetstream block in its configuration)';
        if (text !== failure) this.log(`host=${this.o.host} cannot register in the agents bucket ${AGENTS_BUCKET}: ${text} (retrying every ${CONSUMER_RETRY_MS / 1000} s)`);
        failure = text;
        await sleep(CONSUMER_RETRY_MS);
      }
    }
  }

  start(): RunningNatsAgent {
    this.observeSub = this.serve(observeSubject(this.o.host), 'observe', (msg) => this.answerObserve(msg));
    this.execSub = this.serve(execSubject(this.o.host), 'exec', (msg) => serveExec(msg, { nc: this.nc, host: this.o.host, agent: this.agent, log: this.log }));
    this.heartbeat.start();
    this.puller = this.pull();
    this.log(
      `host=${this.o.host} agent started (lxcpath ${this.o.lxcpath}, ` +
        `journal ${this.journal.file} with ${this.journal.size} finished jobs)`,
    );
    const done = this.nc.closed().then(async (err) => {
      if (!this.stopping) throw err ?? new Error('the NATS connection closed');
      await this.stopped;
      if (this.fatal) throw this.fatal;
    });
    return { stop: () => this.stop(), done };
  }

  /** Answers requests on a subject; a refusal of the subscription stops the agent. */
  private serve(subject: string, what: string, answer: (msg: Msg) => Promise<void>): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        const refused = err ? refusalOf(this.nc, err) : undefined;
        if (refused) this.fail(refused);
        else if (err) this.log(`host=${this.o.host} ${what} subscription: ${err.message}`);
        else answer(msg).catch((e: unknown) => this.log(`host=${this.o.host} ${what} request not answered: ${toLockerError(e).message}`));
      },
    });
  }

  /** Stops the agent for good: retrying cannot help (another agent has the host, or the server refuses this user). */
  private fail(e: LockerError): void {
    if (this.fatal) return;
    this.fatal = e;
    this.log(`host=${this.o.host} stopping after error[${e.code}]`);
    void this.stop();
  }

  /** Concurrent observe requests (and heartbeats) share one pass over the host. */
  private observe(): Promise<ObservedHost> {
    this.observing ??= this.agent.observe().finally(() => {
      this.observing = undefined;
    });
    return this.observing;
  }

  private async answerObserve(msg: Msg): Promise<void> {
    let reply: ObserveReply;
    try {
      const request = decodeObserveRequest(msg.data, msg.subject);
      const observed = await this.observe();
      this.heartbeat.remember(observed);
      // The pass is shared; the folders are this request's own (the heartbeat keeps none).
      reply = { ok: true, observed: await withHostPaths(observed, request) };
    } catch (e) {
      reply = { ok: false, error: toLockerError(e).toJSON() };
    }
    msg.respond(observeReply.encode(reply));
  }

  /** The control point creates the consumer; until then the agent only waits (it may not create it). */
  private async waitForConsumer(): Promise<Consumer | undefined> {
    let told = false;
    while (!this.stopping) {
      try {
        return await this.js.consumers.get(JOBS_STREAM, jobConsumer(this.o.host));
      } catch (e) {
        const refused = refusalOf(this.nc, e);
        if (refused) {
          this.fail(refused);
          return undefined;
        }
        if (!told) {
          this.log(
            `host=${this.o.host} waiting for consumer ${jobConsumer(this.o.host)} on ${JOBS_STREAM} ` +
              `(${toLockerError(e).message}); the control point creates it when it plans for this host`,
          );
          told = true;
        }
        await sleep(CONSUMER_RETRY_MS);
      }
    }
    return undefined;
  }

  /**
   * One pull of one job at a time, and only when a slot is free: a prefetched job would sit here
   * unextended and be redelivered meanwhile. Jobs in hand run concurrently; a stop takes no slot, so
   * every stop the control point sends runs at once.
   */
  private async pull(): Promise<void> {
    let consumer = await this.waitForConsumer();
    const concurrency = this.o.concurrency ?? 4;
    let failure: string | undefined;
    while (!this.stopping && consumer) {
      if (this.slotted.size >= concurrency) {
        await Promise.race(this.slotted);
        continue;
      }
      let msg;
      try {
        msg = await consumer.next({ expires: PULL_EXPIRES_MS });
        failure = undefined;
      } catch (e) {
        const refused = refusalOf(this.nc, e);
        if (refused) {
          this.fail(refused);
          break;
        }
        const text = toLockerError(e).message;
        if (failure !== text) this.log(`host=${this.o.host} pulling jobs failed: ${text} (retrying)`);
        failure = text;
        await sleep(CONSUMER_RETRY_MS);
        if (/not found/i.test(text)) consumer = await this.waitForConsumer();
        continue;
      }
      if (msg === null) continue;
      if (this.stopping) {
        msg.nak();
        break;
      }
      const ticket: Ticket = { msg, handedBack: false };
      this.tickets.add(ticket);
      const handled = this.handler
        .handle(ticket)
        .catch((e: unknown) => {
          // Not acked: JetStream redelivers it, and the journal or the idempotent action answers then.
          this.log(`host=${this.o.host} job message #${ticket.msg.seq} left for redelivery: ${toLockerError(e).message}`);
        })
        .finally(() => {
          this.tickets.delete(ticket);
          this.handling.delete(handled);
          this.slotted.delete(handled);
        });
      this.handling.add(handled);
      if (takesSlot({ kind: jobKindOf(msg.data) })) this.slotted.add(handled);
    }
  }

  private stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    this.stopping = true;
    this.log(`host=${this.o.host} stopping: ${this.tickets.size} job(s) in hand`);
    const grace = sleep(this.o.stopGraceMs ?? 60_000).then(() => 'timeout' as const);
    const settled = (async () => {
      await this.puller;
      await Promise.all(this.handling);
    })();
    if ((await Promise.race([settled, grace])) === 'timeout') {
      this.givingUp = true;
      for (const t of this.tickets) {
        t.handedBack = true;
        t.msg.nak();
        this.log(`host=${this.o.host} job message #${t.msg.seq} handed back to the queue: it did not finish in time`);
      }
    }
    this.observeSub?.unsubscribe();
    this.execSub?.unsubscribe();
    await this.heartbeat.stop();
    await this.nc.drain();
    await this.journal.close();
    await this.lock.release();
    this.log(`host=${this.o.host} agent stopped`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
