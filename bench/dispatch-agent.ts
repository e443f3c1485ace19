// A host agent for the dispatch benchmark: Locker's own agent pieces (JobHandler with its journal and
// result publishing, LocalAgent with its validation and container locks, Heartbeat) and the pull loop of
// agents/nats-agent.ts, but with no-op netfilter operations, so an `unforward-ports` job does no host work.
// argv: URL HOST LXCPATH JOURNAL_DIR [CONCURRENCY] [PULL]. PULL is `next` (one message per pull request, as
// agents/nats-agent.ts does) or `batch` (one fetch for all free slots: the proposed change, measured here).
// Prints "ready" once it pulls; SIGTERM stops it.

import { jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NetOps } from '../agents/actions/context.js';
import { Heartbeat } from '../agents/heartbeat.js';
import { HostLease } from '../agents/host-lease.js';
import { JobJournal } from '../agents/job-journal.js';
import { LocalAgent } from '../agents/local-agent.js';
import { JobHandler, type Ticket } from '../agents/nats-job-handler.js';
import { connectNats } from '../src/nats/connect.js';
import { JOBS_STREAM, agentInboxPrefix, jobConsumer } from '../src/nats/names.js';

const [url, host, lxcpath, journalDir, concurrencyText, pullMode] = process.argv.slice(2) as [string, string, string, string, string?, string?];
const concurrency = Number(concurrencyText ?? '4');
const log = (line: string) => void process.stderr.write(`${line}\n`);
const noopNet: NetOps = {
  readForwards: async () => [],
  setForwards: async () => 'adopted',
  removeForwards: async () => 'adopted',
};
const agent = new LocalAgent({ host, lxcpath, net: noopNet });
const journal = await JobJournal.open(journalDir);
const nc = await connectNats({ url, name: `bench-agent ${host}`, inboxPrefix: agentInboxPrefix(host) });
const js = jetstream(nc);
// The heartbeat claims the host on its first beat, as an agent does (a previous run's agent on this machine is gone).
const lease = new HostLease({ nc, js, host, log });
const heartbeat = new Heartbeat({
  lease,
  host,
  lxcpath,
  version: 'bench',
  observe: () => agent.observe(),
  log,
  refused: () => undefined,
  fatal: (e) => log(`heartbeat stopped: ${e.message}`),
});
const handler = new JobHandler({
  host,
  agent,
  js,
  journal,
  log,
  onFinished: () => heartbeat.jobFinished(),
  givingUp: () => false,
});
heartbeat.start();
const consumer = await js.consumers.get(JOBS_STREAM, jobConsumer(host));
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
process.stdout.write('ready\n');
const handling = new Set<Promise<void>>();
function take(msg: JsMsg): void {
  const ticket: Ticket = { msg, handedBack: false };
  const handled: Promise<void> = handler
    .handle(ticket)
    .catch((e: unknown) => log(`job left for redelivery: ${(e as Error).message}`))
    .finally(() => handling.delete(handled));
  handling.add(handled);
}
while (!stopping) {
  if (handling.size >= concurrency) {
    await Promise.race(handling);
    continue;
  }
  // A pull can fail (a cluster electing the consumer's leader, a reconnect): tried again, as agents/nats-agent.ts does.
  try {
    if (pullMode === 'batch') {
      const batch = await consumer.fetch({ max_messages: concurrency - handling.size, expires: 1000 });
      for await (const msg of batch) take(msg);
      continue;
    }
    const msg = await consumer.next({ expires: 1000 });
    if (msg !== null) take(msg);
  } catch (e) {
    log(`pulling failed: ${(e as Error).message} (retrying)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
await Promise.all(handling);
await heartbeat.stop();
await nc.drain();
await journal.close();
