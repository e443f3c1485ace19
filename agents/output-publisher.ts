// A job's output lines on their way to the control point over NATS: gathered for a moment and sent in
// parts on the host's result subject, before the job's `finished`. Best effort: a part that cannot be
// sent is dropped (the tail still comes with the result), and never holds the job up.

import type { JetStreamClient } from '@nats-io/jetstream';
import { toLockerError } from '../src/errors.js';
import { jobMessageId, resultSubject } from '../src/nats/names.js';
import type { Job } from '../src/transport/types.js';
import { resultMessage } from '../src/transport/wire/index.js';

const GATHER_MS = 200;
/** Characters of one part: far under JetStream's 1 MB message limit. */
const PART_CHARS = 32_768;

export class OutputPublisher {
  private lines: string[] = [];
  private chars = 0;
  private part = 0;
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    private readonly o: { js: JetStreamClient; host: string; job: Job; log(line: string): void },
  ) {}

  add(lines: string[]): void {
    for (const line of lines) {
      this.lines.push(line);
      this.chars += line.length + 1;
    }
    if (this.chars >= PART_CHARS) this.send();
    else this.timer ??= setTimeout(() => this.send(), GATHER_MS);
  }

  /** Sends what is gathered and waits until every part is out (or dropped). */
  async close(): Promise<void> {
    this.send();
    await this.sending;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    const { job, host } = this.o;
    const message = resultMessage.encode({ type: 'output', runId: job.runId, actionId: job.action.id, attempt: job.attempt, host, part: this.part, lines: this.lines });
    const msgID = `${jobMessageId(job.runId, job.action.id, job.attempt)}:output:${this.part}`;
    this.part += 1;
    this.lines = [];
    this.chars = 0;
    this.sending = this.sending.then(async () => {
      try {
        await this.o.js.publish(resultSubject(host), message, { msgID });
      } catch (e) {
        if (!this.failed) this.o.log(`host=${host} run=${job.runId} action=${job.action.id}: output not sent (${toLockerError(e).message}); its tail comes with the result`);
        this.failed = true;
      }
    });
  }
}
