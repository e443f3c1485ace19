// 5. Dispatch over NATS: jobs through Locker's NatsTransport (JetStream work queue, ordered consumer on
// results) to agents in their own processes, with no-op actions: round trip p50/p99 and throughput,
// with 1, 3 and 10 agents, on one nats-server and on a 3-node cluster (streams with 3 replicas), in one
// run so the ratios compare like with like. A last row uses the real `locker agent` with the cheapest real job.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { PlannedAction } from '../plans/types.js';
import { ensureNatsResources } from '../src/nats/ensure-resources.js';
import { JOBS_STREAM } from '../src/nats/names.js';
import { NatsTransport } from '../src/transport/nats-transport.js';
import type { Job } from '../src/transport/types.js';
import { onCleanup } from './cleanup.js';
import { profilesIn, summarizeProfile, type ProfileSummary } from './cpu-profile.js';
import { startNats, startNatsCluster, type BenchNats } from './nats-server.js';
import { benchFile, LOCKER_BIN, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { median, nowMs, percentile } from './stats.js';
import { ms, num, table, verdict } from './table.js';

const PROJECT = 'benchdisp';

let counter = 0;
function job(runId: string, host: string): Job {
  const container = `n${++counter}`;
  const action: PlannedAction = {
    id: `${host}/${container}/unforward-ports`,
    host,
    project: PROJECT,
    container,
    lxcName: `${PROJECT}_${container}`,
    kind: 'unforward-ports',
    symbol: '-',
    reason: 'requested',
    detail: 'bench no-op',
    dependsOn: [],
    params: { kind: 'unforward-ports' },
  };
  return { runId, planId: 'benchplan0000', attempt: 1, action };
}

interface Agents {
  pids: number[];
  /** Rejects when an agent exits before stop(): its jobs would wait for ever. */
  died: Promise<never>;
  stop(): Promise<void>;
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

type AgentKind = 'noop' | 'noop-batch' | 'real';

async function startAgents(kind: AgentKind, url: string, hosts: string[], dir: string, nodeFlags: string[] = []): Promise<Agents> {
  const children: ChildProcess[] = [];
  let stopping = false;
  let reportDeath: (e: Error) => void = () => {};
  const died = new Promise<never>((_, reject) => {
    reportDeath = reject;
  });
  died.catch(() => {}); // raced by the scenario; nobody else waits on it
  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
  };
  const stop = onCleanup(`agents ${hosts.join(',')}`, stopAll);
  for (const host of hosts) {
    const lxcpath = path.join(dir, `lxc-${host}`);
    const args =
      kind === 'real'
        ? [LOCKER_BIN, 'agent', '--host', host, '--nats', url, '-P', lxcpath]
        : [benchFile('dispatch-agent'), url, host, lxcpath, path.join(dir, `journal-${host}`), '4', kind === 'noop' ? 'next' : 'batch'];
    const child = spawn(process.execPath, [...nodeFlags, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4_000);
    });
    child.once('exit', (code, signal) => {
      if (!stopping) reportDeath(new Error(`agent ${host} exited (${signal ?? code}) during the bench:\n${stderr}`));
    });
    if (kind !== 'real') {
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`agent ${host} exited with ${code}`)));
      });
    }
  }
  return { pids: children.map((c) => c.pid!), died, stop };
}

async function roundTrips(transport: NatsTransport, hosts: string[], count: number): Promise<number[]> {
  const runId = `rbench-rt-${Date.now()}`;
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = job(runId, hosts[i % hosts.length]!);
    const t = nowMs();
    const r = await transport.run(j, { started: () => {} });
    times.push(nowMs() - t);
    if (!r.ok) throw new Error(`job failed: ${r.error.message}`);
  }
  return times;
}

async function throughput(transport: NatsTransport, hosts: string[], count: number, inFlight: number): Promise<number> {
  const runId = `rbench-tp-${Date.now()}`;
  const jobs = Array.from({ length: count }, (_, i) => job(runId, hosts[i % hosts.length]!));
  let next = 0;
  const t = nowMs();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < jobs.length) {
        const r = await transport.run(jobs[next++]!, { started: () => {} });
        if (!r.ok) throw new Error(`job failed: ${r.error.message}`);
      }
    }),
  );
  return count / ((nowMs() - t) / 1000);
}

const NOOP = 'no-op job, bench agent';

interface Row {
  what: string;
  /** `1 server` or `3-node cluster`. */
  nats: string;
  agents: number;
  p50: number;
  p99: number;
  perSecond: number;
  inFlight: number;
  /** CPU milliseconds per job during the throughput phase. */
  cpu: { control: number; agents: number; nats: number };
}

async function scenario(
  nc: NatsConnection,
  nats: { url: string; pids: number[]; label: string },
  kind: AgentKind,
  hosts: string[],
  sizes: { rt: number; tp: number; inFlight: number },
  dir: string,
  nodeFlags: string[] = [],
): Promise<Row> {
  const replicas = await ensureNatsResources(nc, hosts);
  if (nats.pids.length > 1 && replicas[JOBS_STREAM] !== nats.pids.length) {
    throw new Error(`the cluster's ${JOBS_STREAM} has ${replicas[JOBS_STREAM]} replicas, expected ${nats.pids.length}`);
  }
  const agents = await startAgents(kind, nats.url, hosts, dir, nodeFlags);
  const transport = await NatsTransport.open({ nc });
  try {
    const alive = <T>(work: Promise<T>) => Promise.race([work, agents.died]);
    await alive(roundTrips(transport, hosts, 20 * hosts.length)); // warm-up (a real agent is ready when it answers)
    const rt = await alive(roundTrips(transport, hosts, sizes.rt));
    const agentCpu = () => agents.pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
    const natsCpu = () => nats.pids.reduce((a, pid) => a + cpuSeconds(pid), 0);
    const before = { control: process.cpuUsage(), agents: agentCpu(), nats: natsCpu() };
    const perSecond = await alive(throughput(transport, hosts, sizes.tp, sizes.inFlight));
    const control = process.cpuUsage(before.control);
    const perJob = (seconds: number) => (seconds * 1000) / sizes.tp;
    const cpu = {
      control: perJob((control.user + control.system) / 1e6),
      agents: perJob(agentCpu() - before.agents),
      nats: perJob(natsCpu() - before.nats),
    };
    return {
      cpu,
      nats: nats.label,
      what:
        kind === 'noop'
          ? NOOP
          : kind === 'noop-batch'
            ? 'no-op job, bench agent pulling a batch per fetch (proposed)'
            : '`unforward-ports`, real `locker agent` (1 iptables-save per job)',
      agents: hosts.length,
      p50: median(rt),
      p99: percentile(rt, 99),
      perSecond,
      inFlight: sizes.inFlight,
    };
  } finally {
    await transport.close();
    await agents.stop();
  }
}

/** Agent counts measured on one server and on the cluster. */
const AGENT_COUNTS = [1, 3, 10] as const;
const SINGLE = '1 server';
const CLUSTER = '3-node cluster, R3';
const benchHosts = (tag: string, n: number) => Array.from({ length: n }, (_, i) => `bench-${tag}${n}-${i + 1}`);

/** Runs `body` against `nats` with one control connection, then stops the server(s). */
async function against(nats: BenchNats, body: (nc: NatsConnection) => Promise<void>): Promise<void> {
  const nc = await connect({ servers: nats.url.split(',') });
  try {
    await body(nc);
  } finally {
    await nc.close();
    await nats.stop();
  }
}

export async function runDispatch(o: PartOptions): Promise<PartResult> {
  const sizes = o.quick ? { rt: 200, tp: 1000, inFlight: 64 } : { rt: 2000, tp: 10_000, inFlight: 64 };
  const dir = mkdtempSync('/tmp/bench-dispatch-');
  const dropDir = onCleanup(`dispatch ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const rows: Row[] = [];
  let profile = '';
  try {
    const single = await startNats();
    const on1 = { url: single.url, pids: single.pids, label: SINGLE };
    await against(single, async (nc) => {
      for (const n of AGENT_COUNTS) {
        o.log(`[dispatch] ${n} agent(s), no-op, ${SINGLE}`);
        rows.push(await scenario(nc, on1, 'noop', benchHosts('s', n), sizes, dir));
      }
      o.log('[dispatch] 1 agent, no-op, batch pulls (proposed change)');
      rows.push(await scenario(nc, on1, 'noop-batch', ['benchb1'], sizes, dir));
      o.log('[dispatch] 3 agents, no-op, batch pulls (proposed change)');
      rows.push(await scenario(nc, on1, 'noop-batch', ['benchb2', 'benchb3', 'benchb4'], sizes, dir));
      o.log('[dispatch] 1 real locker agent, unforward-ports');
      rows.push(await scenario(nc, on1, 'real', ['benchreal'], { rt: sizes.rt / 4, tp: sizes.tp / 10, inFlight: 16 }, dir));
      if (o.profile || rows[0]!.perSecond < 1000 || rows[0]!.p50 >= 5) {
        o.log('[dispatch] profiling the agent (node --cpu-prof)');
        const profDir = path.join(dir, 'agent-profile');
        await scenario(nc, on1, 'noop', ['benchprof'], sizes, dir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
        const file = profilesIn(profDir)[0];
        if (file) profile = renderAgentProfile(summarizeProfile(file, 10), sizes.tp + sizes.rt + 20);
      }
    });
    o.log('[dispatch] starting a 3-node nats-server cluster');
    const cluster = await startNatsCluster(3);
    const on3 = { url: cluster.url, pids: cluster.pids, label: CLUSTER };
    await against(cluster, async (nc) => {
      for (const n of AGENT_COUNTS) {
        o.log(`[dispatch] ${n} agent(s), no-op, ${CLUSTER}`);
        rows.push(await scenario(nc, on3, 'noop', benchHosts('c', n), sizes, dir));
      }
    });
  } finally {
    await dropDir();
  }
  const noop = (nats: string, agents: number) => rows.find((r) => r.what === NOOP && r.nats === nats && r.agents === agents)!;
  const one = noop(SINGLE, 1);
  const ratio = (a: Row, b: Row) => `${(a.perSecond / b.perSecond).toFixed(2)}×`;
  const targets: TargetVerdict[] = [
    { part: 'dispatch', what: 'round trip p50, 1 agent, no-op', value: ms(one.p50), target: '< 5 ms', met: one.p50 < 5 },
    { part: 'dispatch', what: 'throughput, 1 agent, no-op', value: `${num(one.perSecond)}/s`, target: '≥ 1,000/s', met: one.perSecond >= 1000 },
    { part: 'dispatch', what: 'throughput, 3 agents / 1 agent', value: ratio(noop(SINGLE, 3), one), target: 'reported', met: true },
    { part: 'dispatch', what: 'throughput, 10 agents / 1 agent', value: ratio(noop(SINGLE, 10), one), target: 'reported', met: true },
    ...AGENT_COUNTS.map((n) => ({
      part: 'dispatch',
      what: `throughput, 3-node cluster / 1 server, ${n} agent(s)`,
      value: ratio(noop(CLUSTER, n), noop(SINGLE, n)),
      target: 'reported',
      met: true,
    })),
  ];
  return {
    title: '5. Dispatch over NATS',
    markdown: [
      `Control side: Locker's NatsTransport in the bench process (publish to LOCKER_JOBS with a msgID, wait for the ` +
        `\`finished\` result read by its ordered consumer on LOCKER_RESULTS). Agents: separate Node processes running ` +
        `bench/dispatch-agent.ts, which is agents/nats-agent.ts's pull loop (one pull per free slot, 4 slots) around Locker's ` +
        `own JobHandler (journal append with fsync, \`started\` and \`finished\` publishes, ack), LocalAgent (job validation, ` +
        `container lock) and Heartbeat — with no-op netfilter operations, so an \`unforward-ports\` job touches nothing ` +
        `on the host. Round trip = run() called → finished result delivered, one job in flight; throughput = jobs/s with ` +
        `${one.inFlight} in flight, jobs spread round-robin over the agents. "${CLUSTER}": three nats-server processes on ` +
        `loopback in one JetStream cluster, Locker's streams and buckets with 3 replicas (ensureNatsResources' \`auto\`), ` +
        `the control and the agents given the three URLs. Everything (nats-servers, control, agents) shares the ` +
        `${'2'}-core machine.`,
      table(
        ['jobs', 'NATS', 'agents', 'round trip p50', 'p99', 'in flight', 'jobs/s', 'target'],
        rows.map((r) => [
          r.what,
          r.nats,
          String(r.agents),
          ms(r.p50),
          ms(r.p99),
          String(r.inFlight),
          num(r.perSecond),
          r === one ? `p50 < 5 ms: ${verdict(one.p50 < 5)}; ≥ 1,000/s: ${verdict(one.perSecond >= 1000)}` : '',
        ]),
      ),
      'No-op throughput by agents and NATS (same run):',
      table(
        ['agents', `${SINGLE} jobs/s`, `${CLUSTER} jobs/s`, 'cluster / 1 server', `vs 1 agent, ${SINGLE}`, `vs 1 agent, cluster`],
        AGENT_COUNTS.map((n) => [
          String(n),
          num(noop(SINGLE, n).perSecond),
          num(noop(CLUSTER, n).perSecond),
          ratio(noop(CLUSTER, n), noop(SINGLE, n)),
          ratio(noop(SINGLE, n), noop(SINGLE, 1)),
          ratio(noop(CLUSTER, n), noop(CLUSTER, 1)),
        ]),
      ),
      `CPU per job during the throughput phase (user + system, from /proc and process.cpuUsage(); nats-server: the sum ` +
        `over the cluster's three); 2 cores give 2 ms of CPU per ms of wall time, so jobs/s cannot exceed 2000 / (sum of a row):`,
      table(
        ['jobs', 'NATS', 'agents', 'control process', 'agent process(es)', 'nats-server', 'sum', 'CPU bound at'],
        rows.map((r) => {
          const sum = r.cpu.control + r.cpu.agents + r.cpu.nats;
          return [r.what, r.nats, String(r.agents), ms(r.cpu.control), ms(r.cpu.agents), ms(r.cpu.nats), ms(sum), `${num(2000 / sum)}/s`];
        }),
      ),
      profile,
    ].join('\n\n'),
    targets,
  };
}

function renderAgentProfile(p: ProfileSummary, jobs: number): string {
  return (
    `CPU profile of one no-op agent over ${num(jobs)} jobs (node --cpu-prof): ${ms(p.busyMs)} on the CPU, ` +
    `${ms(p.busyMs / jobs)} per job.\n\n` +
    table(['self time by origin', 'ms'], p.byOrigin.slice(0, 8).map(([k, v]) => [k, ms(v)])) +
    '\n\n' +
    table(['top functions (self)', 'ms'], p.topFunctions.slice(0, 10).map(([k, v]) => [k, ms(v)]))
  );
}
