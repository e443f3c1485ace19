// One job message from the work queue, start to ack: dedupe by the journal, run it, publish
// `started`/`finished`, write the journal, and only then ack. A crash at any point leaves the job queued.

import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { LockerError, toLockerError } from '../src/errors.js';
import { jobMessageId, resultSubject } from '../src/nats/names.js';
import type { Job, JobResult } from '../src/transport/types.js';
import { readJob, resultMessage, type JobKey, type JobResultMessage } from '../src/transport/wire/index.js';
import type { JobJournal } from './job-journal.js';
import type { LocalAgent } from './local-agent.js';
import { OutputPublisher } from './output-publisher.js';

/** Well inside the consumer's ack wait (10 s, JOB_ACK_WAIT_MS): a long action is not redelivered while it runs. */
export const WORKING_EVERY_MS = 3_000;
const PUBLISH_RETRY_MS = 1_000;

export interface JobHandlerOptions {
  host: string;
  agent: LocalAgent;
  js: JetStreamClient;
  journal: JobJournal;
  log(line: string): void;
  /** Called when a job changed (or may have changed) the host. */
  onFinished(): void;
  /** True once publishing should stop being retried (the agent is stopping past its grace). */
  givingUp(): boolean;
}

/** The agent's hold on one message; `handedBack` once stop() returned it to the queue. */
export interface Ticket {
  msg: JsMsg;
  handedBack: boolean;
}

export class JobHandler {
  // The same job delivered again while it runs (a redelivery) waits for the first run's result.
  private readonly running = new Map<string, Promise<JobResult>>();

  constructor(private readonly o: JobHandlerOptions) {}

  async handle(ticket: Ticket): Promise<void> {
    const { msg } = ticket;
    const parsed = readJob(msg.data, msg.subject, msg.headers?.get('Nats-Msg-Id') || undefined);
    if (!parsed.ok) return this.refuse(ticket, parsed.error, parsed.key);
    const job = parsed.job;
    const key = jobMessageId(job.runId, job.action.id, job.attempt);
    const journaled = this.o.journal.get(job.runId, job.action.id, job.attempt);
    const working = setInterval(() => {
      if (!ticket.handedBack) msg.working();
    }, WORKING_EVERY_MS);
    try {
      if (journaled) {
        await this.publish(finished(this.o.host, job, journaled.result));
        this.settle(ticket, job, journaled.result, 'duplicate delivery, answered from the journal');
        return;
      }
      const inFlight = this.running.get(key);
      if (inFlight) {
        // The first delivery publishes, journals and acks its own message; this one only needs acking.
        const result = await inFlight;
        this.settle(ticket, job, result, 'duplicate delivery of a running job');
        return;
      }
      const run = this.run(job);
      this.running.set(key, run);
      try {
        const result = await run;
        this.settle(ticket, job, result);
      } finally {
        this.running.delete(key);
      }
    } finally {
      clearInterval(working);
    }
  }

  private async run(job: Job): Promise<JobResult> {
    let started: Promise<void> | undefined;
    const output = new OutputPublisher({ js: this.o.js, host: this.o.host, job, log: this.o.log });
    const result = await this.o.agent.runJob(job, {
      output: (lines) => output.add(lines),
      started: () => {
        const { runId, attempt } = job;
        started = this.publish({ type: 'started', runId, actionId: job.action.id, attempt, host: this.o.host });
        // Awaited below, after the action: until then a failure must not count as unhandled.
        started.catch(() => {});
      },
    });
    this.o.onFinished();
    // `started` before `finished` on the stream: the control point records them in that order.
    await started;
    await output.close();
    await this.publish(finished(this.o.host, job, result));
    await this.o.journal.append({
      runId: job.runId,
      actionId: job.action.id,
      attempt: job.attempt,
      result,
      finishedAt: new Date().toISOString(),
    });
    return result;
  }

  private settle(ticket: Ticket, job: Job, result: JobResult, note?: string): void {
    const outcome = result.ok ? result.outcome : `failed ${result.error.code}: ${result.error.message}`;
    const suffix = note ? ` (${note})` : '';
    if (ticket.handedBack) {
      this.o.log(`${this.prefix(job)} outcome=${outcome}${suffix}; already handed back to the queue`);
      return;
    }
    ticket.msg.ack();
    this.o.log(`${this.prefix(job)} outcome=${outcome}${suffix}`);
  }

  /** Answers a message that is not a job (when it names one) with the MESSAGE_INVALID that says why; nothing of it ran. */
  private async refuse(ticket: Ticket, error: LockerError, key: JobKey | undefined): Promise<void> {
    const what = key ? `run=${key.runId} action=${key.actionId} attempt=${key.attempt}` : `message #${ticket.msg.seq}`;
    if (key) await this.publish({ type: 'finished', ...key, host: this.o.host, result: { ok: false, error: error.toJSON() } });
    // term, not nak: a message that cannot be read now never will be. No reason text: nats-server
    // before 2.10 takes `+TERM <reason>` for an unknown ack and redelivers the message.
    if (!ticket.handedBack) ticket.msg.term();
    this.o.log(`host=${this.o.host} ${what} outcome=refused: ${error.message}`);
  }

  private prefix(job: Job): string {
    return `host=${this.o.host} run=${job.runId} action=${job.action.id} attempt=${job.attempt}`;
  }

  /** Retries until JetStream has it: the msgID makes a retry that did land harmless. */
  private async publish(message: JobResultMessage): Promise<void> {
    const msgID = `${jobMessageId(message.runId, message.actionId, message.attempt)}:${message.type}`;
    let failure: string | undefined;
    for (;;) {
      try {
        await this.o.js.publish(resultSubject(this.o.host), resultMessage.encode(message), { msgID });
        if (failure) this.o.log(`host=${this.o.host} published ${msgID} after a retry`);
        return;
      } catch (e) {
        const text = toLockerError(e).message;
        if (this.o.givingUp()) {
          throw new LockerError('AGENT_OFFLINE', `cannot publish ${msgID}: ${text}`, { retryable: true, cause: e });
        }
        if (failure !== text) this.o.log(`host=${this.o.host} publishing ${msgID} failed: ${text} (retrying)`);
        failure = text;
        await new Promise((r) => setTimeout(r, PUBLISH_RETRY_MS));
      }
    }
  }
}

function finished(host: string, job: Job, result: JobResult): JobResultMessage {
  return { type: 'finished', runId: job.runId, actionId: job.action.id, attempt: job.attempt, host, result };
}
