// Two agents as separate processes (hosts a and b, each with its own lxcpath), a real nats-server, and a
// NatsTransport on the control point's connection: routing, dedupe by the journal, refusal, waiting jobs.

import { jetstreamManager, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { execa, type ResultPromise } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JobJournal, type JournalEntry } from '../../agents/job-journal.js';
import { getAgent } from '../../src/nats/agents-registry.js';
import { connectNats } from '../../src/nats/connect.js';
import { ensureNatsResources } from '../../src/nats/ensure-resources.js';
import { JOBS_STREAM, jobConsumer, jobMessageId, jobSubject, resultSubject } from '../../src/nats/names.js';
import { NatsTransport } from '../../src/transport/nats-transport.js';
import { resultMessage, type JobResultMessage } from '../../src/transport/wire/index.js';
import type { Job, JobResult } from '../../src/transport/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { LOCKER_BIN, runLocker, show } from '../helpers/run-locker.js';

const HOSTS = ['a', 'b'] as const;
type Host = (typeof HOSTS)[number];

let server: NatsServer | undefined;
let nc: NatsConnection | undefined;
let transport: NatsTransport | undefined;
const envs: Partial<Record<Host, LxcEnv>> = {};
const agents: Partial<Record<Host, { child: ResultPromise; log: () => string }>> = {};
const testStart = new Date();

const env = (host: Host): LxcEnv => envs[host]!;
const project = () => env('a').prefix;
const journalOf = (host: Host) => path.join(env(host).lxcpath, '.locker-agent', JOURNAL_FILE);

function startAgent(host: Host): void {
  let log = '';
  const child = execa(process.execPath, [LOCKER_BIN, 'agent', '--host', host, '--nats', server!.url, '-P', env(host).lxcpath], {
    reject: false,
    all: true,
    stdin: 'ignore',
  });
  child.all?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  agents[host] = { child, log: () => log };
}

/** SIGTERM to the process we started; its exit code. */
async function stopAgent(host: Host, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | undefined> {
  const agent = agents[host];
  if (!agent || agent.child.pid === undefined) return undefined;
  if (agent.child.exitCode === null) process.kill(agent.child.pid, signal);
  return (await agent.child).exitCode;
}

async function until(what: string, f: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${agentLogs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function agentLogs(): string {
  return HOSTS.map((h) => `--- agent ${h}\n${agents[h]?.log() ?? ''}`).join('\n');
}

async function answering(host: Host): Promise<boolean> {
  try {
    await transport!.observe(host);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'AGENT_OFFLINE') return false;
    throw e;
  }
}

async function containersOn(host: Host): Promise<string[]> {
  const r = await env(host).lxc('lxc-ls', ['-1']);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '').sort();
}

function createJob(host: Host, container: string, runId: string): Job {
  return makeJob(makeAction({ kind: 'create', template: 'busybox', args: {} }, { host, project: project(), container }), { runId });
}

/** Runs a job through the transport, noting whether its agent reported it started (a success's detail is left out). */
async function run(job: Job): Promise<{ result: JobResult; started: boolean }> {
  let started = false;
  const result = await transport!.run(job, { started: () => (started = true) });
  return { result: result.ok ? { ok: true, outcome: result.outcome } : result, started };
}

async function jobsWaiting(host: Host): Promise<{ pending: number; unacked: number }> {
  const jsm = await jetstreamManager(nc!);
  const info = await jsm.consumers.info(JOBS_STREAM, jobConsumer(host));
  return { pending: info.num_pending, unacked: info.num_ack_pending };
}

/** Collects what agent `host` publishes on its result subject (a core subscription sees JetStream publishes too). */
function watchResults(host: Host): { messages: JobResultMessage[]; stop(): void } {
  const messages: JobResultMessage[] = [];
  const sub = nc!.subscribe(resultSubject(host), {
    callback: (_err, msg) => {
      try {
        messages.push(resultMessage.decode(msg.data, msg.subject));
      } catch {
        // not a result message: not one to collect
      }
    },
  });
  return { messages, stop: () => sub.unsubscribe() };
}

beforeAll(async () => {
  await requireTools();
  server = await startNatsServer();
  for (const host of HOSTS) envs[host] = await createLxcEnv();
  nc = await connectNats({ url: server.url, name: 'test control point' });
  await ensureNatsResources(nc, [...HOSTS]);
  transport = await NatsTransport.open({ nc });
  for (const host of HOSTS) startAgent(host);
  for (const host of HOSTS) await until(`agent ${host} answering`, () => answering(host));
});

afterAll(async () => {
  const steps: Array<() => Promise<unknown>> = [
    async () => transport?.close(),
    async () => nc?.close(),
    ...HOSTS.map((h) => () => stopAgent(h, 'SIGKILL')),
    ...HOSTS.map((h) => async () => envs[h]?.destroyAll()),
    async () => server?.stop(),
  ];
  const failures: unknown[] = [];
  for (const step of steps) await step().catch((e: unknown) => failures.push(e));
  if (failures.length > 0) throw new AggregateError(failures, 'cleanup failed');
});

describe('locker agent', () => {
  it('names the missing flag', async () => {
    const noHost = await runLocker(['agent', '--nats', 'nats://127.0.0.1:1'], { cwd: tmpdir() });
    expect([noHost.exitCode, noHost.stderr.split('\n')[0]], show(noHost)).toEqual([1, 'error[USAGE] agent needs --host NAME']);
    const noUrl = await runLocker(['agent', '--host', 'a'], { cwd: tmpdir(), env: { LOCKER_NATS_URL: '' } });
    expect([noUrl.exitCode, noUrl.stderr.split('\n')[0]], show(noUrl)).toEqual([1, 'error[USAGE] agent needs --nats URL (or LOCKER_NATS_URL)']);
  });

  it('waits for an absent server, and SIGTERM then exits 0', async () => {
    const lxcpath = mkdtempSync(path.join(tmpdir(), 'locker-agent-wait-'));
    try {
      const url = `nats://127.0.0.1:${await freePort()}`;
      const child = execa(process.execPath, [LOCKER_BIN, 'agent', '--host', 'w', '--nats', url, '-P', lxcpath], { reject: false, stdin: 'ignore', all: true });
      let out = '';
      child.all?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      // It says what it waits for (and has its signal handlers in place by then), and goes on waiting.
      await until('the agent saying it cannot connect', async () => /cannot connect to .*retrying/.test(out) || child.exitCode !== null);
      expect(child.exitCode, out).toBe(null);
      expect(out).toMatch(new RegExp(`^host=w connecting to ${url} without credentials`));
      process.kill(child.pid!, 'SIGTERM');
      expect((await child).exitCode, out).toBe(0);
    } finally {
      rmSync(lxcpath, { recursive: true, force: true });
    }
  });
});

describe('the agent journal', () => {
  it('drops a torn last line, keeps appending after it, and refuses a damaged one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'locker-journal-'));
    try {
      const file = path.join(dir, JOURNAL_FILE);
      const entry: JournalEntry = { runId: 'r1', actionId: 'h/web/start', attempt: 1, result: { ok: true, outcome: 'done' }, finishedAt: 'x' };
      writeFileSync(file, `${JSON.stringify(entry)}\n{"runId":"r1","act`);
      const journal = await JobJournal.open(dir);
      expect(journal.size).toBe(1);
      expect(journal.get('r1', 'h/web/start', 1)?.result).toEqual({ ok: true, outcome: 'done' });
      await journal.append({ ...entry, actionId: 'h/web/stop' });
      await journal.close();
      const again = await JobJournal.open(dir);
      expect([again.size, again.get('r1', 'h/web/stop', 1)?.result.ok]).toEqual([2, true]);
      await again.close();
      writeFileSync(file, `garbage\n${JSON.stringify(entry)}\n`);
      await expect(JobJournal.open(dir)).rejects.toMatchObject({ code: 'EVENT_LOG_CORRUPT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('NATS agents and transport', () => {
  it('observes each host through its own agent', async () => {
    for (const host of HOSTS) {
      const observed = await transport!.observe(host);
      expect(observed).toMatchObject({ host, lxcpath: env(host).lxcpath, containers: [] });
    }
  });

  it('an unknown host is reported offline', async () => {
    await expect(transport!.observe('nobody')).rejects.toMatchObject({ code: 'AGENT_OFFLINE', retryable: true });
  });

  it("runs each job on its own host only, and the heartbeat shows the host's new state", async () => {
    const [a, b] = await Promise.all([run(createJob('a', 'web', 'r-route')), run(createJob('b', 'db', 'r-route'))]);
    expect(a, agentLogs()).toEqual({ result: { ok: true, outcome: 'done' }, started: true });
    expect(b, agentLogs()).toEqual({ result: { ok: true, outcome: 'done' }, started: true });
    expect(await containersOn('a')).toEqual([`${project()}_web`]);
    expect(await containersOn('b')).toEqual([`${project()}_db`]);
    await until('the job logged by agent a', async () => /host=a run=r-route action=a\/web\/create attempt=1 outcome=done\n/.test(agents.a!.log()));
    await until('a heartbeat with the new container', async () => {
      const hb = await getAgent(nc!, 'a');
      const names = (hb?.observed as { containers?: Array<{ name: string }> } | undefined)?.containers?.map((c) => c.name);
      return hb?.up === true && names?.includes(`${project()}_web`) === true;
    });
  });

  it('the same job again is answered, never run twice', async () => {
    const job = createJob('a', 'web', 'r-route');
    // Through the transport: the stream drops the republished job (same msgID), the result is the first one.
    expect(await run(job)).toEqual({ result: { ok: true, outcome: 'done' }, started: true });
    // Delivered to the agent again (published without msgID, as a redelivery would be): the journal answers.
    const js = jetstream(nc!);
    await js.publish(jobSubject('a'), JSON.stringify(job));
    await until('the duplicate answered from the journal', async () =>
      /action=a\/web\/create attempt=1 outcome=done \(duplicate delivery, answered from the journal\)/.test(agents.a!.log()),
    );
    await until('the duplicate acked', async () => {
      const w = await jobsWaiting('a');
      return w.pending === 0 && w.unacked === 0;
    });
    const key = jobMessageId('r-route', 'a/web/create', 1);
    const entries = readFileSync(journalOf('a'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { runId: string; actionId: string; attempt: number; result: JobResult })
      .filter((e) => jobMessageId(e.runId, e.actionId, e.attempt) === key);
    expect(entries).toEqual([expect.objectContaining({ result: expect.objectContaining({ ok: true, outcome: 'done' }) })]);
    expect(agents.a!.log().match(/action=a\/web\/create attempt=1 outcome=/g)).toHaveLength(2);
    expect(await containersOn('a')).toEqual([`${project()}_web`]);
  });

  it('a control point opened later replays the results published since it asks', async () => {
    const later = await NatsTransport.open({ nc: nc!, resultsSince: testStart });
    try {
      let started = false;
      const result = await later.run(createJob('a', 'web', 'r-route'), { started: () => (started = true) });
      expect({ ok: result.ok, outcome: result.ok ? result.outcome : undefined, started }).toEqual({ ok: true, outcome: 'done', started: true });
      // Answered from the replay: the republished job was dropped by the stream, the agent saw nothing new.
      expect(agents.a!.log().match(/action=a\/web\/create attempt=1 outcome=/g)).toHaveLength(2);
    } finally {
      await later.close();
    }
  });

  it("refuses a job for host b sent on a's subject, and a message that is not a job", async () => {
    const watch = watchResults('a');
    try {
      const job = createJob('b', 'stray', 'r-wrong');
      const js = jetstream(nc!);
      await js.publish(jobSubject('a'), JSON.stringify(job), { msgID: jobMessageId('r-wrong', job.action.id, 1) });
      await js.publish(jobSubject('a'), 'not json {', { msgID: jobMessageId('r-garbage', 'a/x/create', 1) });
      await until('both answered', async () => watch.messages.filter((m) => m.type === 'finished').length === 2);
      const byRun = Object.fromEntries(watch.messages.map((m) => [`${m.runId}:${m.type}`, m]));
      expect(Object.keys(byRun).sort()).toEqual(['r-garbage:finished', 'r-wrong:finished']);
      expect(byRun['r-wrong:finished']).toMatchObject({
        host: 'a',
        actionId: 'b/stray/create',
        result: { ok: false, error: { code: 'HOST_PRECONDITION' } },
      });
      expect(byRun['r-garbage:finished']).toMatchObject({ actionId: 'a/x/create', result: { ok: false, error: { code: 'MESSAGE_INVALID' } } });
      const garbage = byRun['r-garbage:finished'];
      expect(garbage?.type === 'finished' && !garbage.result.ok && garbage.result.error.message).toMatch(/^job on locker\.jobs\.a is not readable: not JSON/);
      await until('both off the queue', async () => {
        const w = await jobsWaiting('a');
        return w.pending === 0 && w.unacked === 0;
      });
      expect(await containersOn('a')).toEqual([`${project()}_web`]);
      expect(await containersOn('b')).toEqual([`${project()}_db`]);
    } finally {
      watch.stop();
    }
  });

  it("a stopped agent's job waits in the queue and runs when the agent is back; SIGTERM exits 0", async () => {
    expect(await stopAgent('b')).toBe(0);
    expect(agents.b!.log()).toMatch(/host=b agent stopped\n/);
    expect(await answering('b')).toBe(false);
    let settled = false;
    const pending = run(createJob('b', 'late', 'r-late')).finally(() => (settled = true));
    await until('the job queued for b', async () => (await jobsWaiting('b')).pending === 1);
    expect(settled).toBe(false);
    expect(await containersOn('b')).toEqual([`${project()}_db`]);
    startAgent('b');
    expect(await pending, agentLogs()).toEqual({ result: { ok: true, outcome: 'done' }, started: true });
    expect(await containersOn('b')).toEqual([`${project()}_db`, `${project()}_late`]);
    expect(await jobsWaiting('b')).toEqual({ pending: 0, unacked: 0 });
  });

  it('agents stop cleanly on SIGTERM', async () => {
    for (const host of HOSTS) expect(await stopAgent(host), agentLogs()).toBe(0);
  });
});
