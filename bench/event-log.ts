// 4. Event log: appends per second with the durability each store promises (file: write + fsync per
// append call; JetStream: the server's ack per event), single events and batches; folding 100,000 events.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureNatsResources } from '../src/nats/ensure-resources.js';
import { openFileEventStore } from '../src/events/file-store.js';
import { openJetStreamEventStore } from '../src/events/jetstream-store.js';
import { foldRuns } from '../src/events/projections.js';
import { parseEventLog } from '../src/events/parse-log.js';
import { readLogFile } from '../src/events/read-log-file.js';
import type { EventStore, NewEvent } from '../src/events/types.js';
import { connect } from '@nats-io/transport-node';
import { onCleanup } from './cleanup.js';
import { buildLog, LOG_PROJECT, succeededEvent } from './event-fixtures.js';
import { startNats } from './nats-server.js';
import type { PartOptions, PartResult, TargetVerdict } from './part.js';
import { median, nowMs, percentile } from './stats.js';
import { ms, num, table, verdict } from './table.js';

interface AppendResult {
  store: string;
  mode: string;
  events: number;
  perSecond: number;
  p50: number;
  p99: number;
}

async function appendBench(store: EventStore, label: string, mode: 'sequential' | 'concurrent', batch: number, total: number): Promise<AppendResult> {
  const calls = Math.ceil(total / batch);
  const batches: NewEvent[][] = Array.from({ length: calls }, (_, c) => Array.from({ length: batch }, (_, i) => succeededEvent(c * batch + i)));
  const latencies: number[] = [];
  const t0 = nowMs();
  if (mode === 'sequential') {
    for (const b of batches) {
      const t = nowMs();
      await store.append(b);
      latencies.push(nowMs() - t);
    }
  } else {
    await Promise.all(
      batches.map(async (b) => {
        const t = nowMs();
        await store.append(b);
        latencies.push(nowMs() - t);
      }),
    );
  }
  const elapsed = nowMs() - t0;
  return {
    store: label,
    mode: `${mode}, ${batch === 1 ? 'one event per append' : `${batch} events per append`}`,
    events: calls * batch,
    perSecond: (calls * batch) / (elapsed / 1000),
    p50: median(latencies),
    p99: percentile(latencies, 99),
  };
}

const CASES: Array<{ mode: 'sequential' | 'concurrent'; batch: number }> = [
  { mode: 'sequential', batch: 1 },
  { mode: 'concurrent', batch: 1 },
  { mode: 'sequential', batch: 10 },
  { mode: 'sequential', batch: 100 },
];

async function fileStoreBench(total: number): Promise<AppendResult[]> {
  const dir = mkdtempSync('/tmp/bench-events-');
  const drop = onCleanup(`events ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const out: AppendResult[] = [];
  try {
    for (const c of CASES) {
      const sub = path.join(dir, `${c.mode}-${c.batch}`);
      const store = await openFileEventStore(sub, LOG_PROJECT);
      await store.append([succeededEvent(0)]); // opens the writer (lock, file) outside the timing
      out.push(await appendBench(store, 'file (events.jsonl)', c.mode, c.batch, total));
      await store.close();
    }
  } finally {
    await drop();
  }
  return out;
}

async function jetStreamBench(total: number): Promise<AppendResult[]> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const out: AppendResult[] = [];
  try {
    await ensureNatsResources(nc, []);
    for (const c of CASES) {
      const store = await openJetStreamEventStore(nc, `${LOG_PROJECT}-${c.mode}-${c.batch}`);
      const project = `${LOG_PROJECT}-${c.mode}-${c.batch}`;
      const retag = (s: EventStore): EventStore => ({
        append: (events) => s.append(events.map((e) => ({ ...e, project }) as NewEvent)),
        readAll: () => s.readAll(),
        close: () => s.close(),
      });
      const tagged = retag(store);
      await tagged.append([succeededEvent(0)]); // reads the tail outside the timing
      out.push(await appendBench(tagged, "JetStream (LOCKER_EVENTS)", c.mode, c.batch, total));
      await store.close();
    }
  } finally {
    await nc.close();
    await nats.stop();
  }
  return out;
}

interface FoldTimes {
  parseMs: number;
  foldMs: number;
  readFileMs: number;
  runs: number;
  bytes: number;
}

function foldBench(events: number, dir: string): FoldTimes {
  const log = buildLog(events);
  const text = log.map((e) => `${JSON.stringify(e)}\n`).join('');
  const file = path.join(dir, 'events.jsonl');
  writeFileSync(file, text);
  let t = nowMs();
  const parsed = parseEventLog(text);
  const parseMs = nowMs() - t;
  t = nowMs();
  const runs = foldRuns(parsed);
  const foldMs = nowMs() - t;
  return { parseMs, foldMs, readFileMs: Number.NaN, runs: runs.length, bytes: text.length };
}

export async function runEventLog(o: PartOptions): Promise<PartResult> {
  const total = o.quick ? 300 : 2000;
  const foldEvents = o.quick ? 20_000 : 100_000;
  o.log('[events] file store appends');
  const file = await fileStoreBench(total);
  o.log('[events] JetStream store appends');
  const js = await jetStreamBench(total);
  o.log(`[events] folding ${foldEvents} events`);
  const dir = mkdtempSync('/tmp/bench-fold-');
  const drop = onCleanup(`fold ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const folds: FoldTimes[] = [];
  try {
    // First pass cold (as one `locker runs` process), then warm passes.
    for (let i = 0; i < 4; i++) {
      const f = foldBench(foldEvents, dir);
      const t = nowMs();
      const read = await readLogFile(path.join(dir, 'events.jsonl'));
      f.readFileMs = nowMs() - t;
      foldRuns(read.events);
      folds.push(f);
    }
  } finally {
    await drop();
  }
  const cold = folds[0]!;
  const warmFold = median(folds.slice(1).map((f) => f.foldMs));
  const warmParse = median(folds.slice(1).map((f) => f.parseMs));
  const warmRead = median(folds.slice(1).map((f) => f.readFileMs));
  const targets: TargetVerdict[] = [];
  const foldOk = cold.foldMs < 1000;
  targets.push({ part: 'events', what: `fold ${num(foldEvents)} events (foldRuns, cold)`, value: ms(cold.foldMs), target: '< 1 s', met: foldOk });
  const allOk = cold.readFileMs + cold.foldMs < 1000;
  targets.push({
    part: 'events',
    what: `read + validate + fold ${num(foldEvents)} events (cold)`,
    value: ms(cold.readFileMs + cold.foldMs),
    target: '< 1 s',
    met: allOk,
  });
  const single = file[0]!;
  targets.push({ part: 'events', what: 'file store, durable single appends', value: `${num(single.perSecond)}/s`, target: 'reported', met: true });
  targets.push({ part: 'events', what: 'JetStream store, single appends', value: `${num(js[0]!.perSecond)}/s`, target: 'reported', met: true });
  const rows = [...file, ...js].map((r) => [r.store, r.mode, num(r.events), num(r.perSecond), ms(r.p50), ms(r.p99)]);
  return {
    title: '4. Event log',
    markdown: [
      `Appends of realistic \`action.succeeded\` events (≈ ${JSON.stringify(succeededEvent(1)).length + 80} bytes stored). ` +
        `File store: every append call is one write and one fsync (group commit per call: a batch shares the fsync); ` +
        `"concurrent" issues all calls at once — the store queues them, one fsync each. JetStream store: every event is ` +
        `published with an expected-last-sequence check and waits for the server's ack (nats-server 2.9 acknowledges once ` +
        `the message is in its file store; it fsyncs on its own 2-minute sync interval, not per message, and 2.9 has no ` +
        `\`sync_interval: always\`); a batch is published event by event. Latency columns are per append call.`,
      table(['store', 'how', 'events', 'events/s', 'p50 per call', 'p99 per call'], rows),
      `Folding a log of ${num(foldEvents)} events (${cold.runs} runs of 50 actions: plan.created, run.started with its plan, ` +
        `dispatched/started/succeeded per action, run.finished; ${(cold.bytes / 1024 / 1024).toFixed(1)} MB of JSON lines):`,
      table(
        ['step', 'cold (first)', 'warm (median of 3)', 'target', 'verdict'],
        [
          ['parseEventLog (JSON.parse + zod validation)', ms(cold.parseMs), ms(warmParse), '', ''],
          ['foldRuns (run state from events)', ms(cold.foldMs), ms(warmFold), '< 1 s', verdict(foldOk)],
          ['readLogFile (read + UTF-8 + parse + validate), what `locker runs` pays', ms(cold.readFileMs), ms(warmRead), '', ''],
          ['readLogFile + foldRuns', ms(cold.readFileMs + cold.foldMs), ms(warmRead + warmFold), '< 1 s', verdict(allOk)],
        ],
      ),
    ].join('\n\n'),
    targets,
  };
}
