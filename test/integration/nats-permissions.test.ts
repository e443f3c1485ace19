// The configuration `locker nats-config` writes, on a real nats-server: each agent reaches its own
// subjects and nothing else, the control point reaches everything, strangers nothing.
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENTS_STREAM,
  JOBS_STREAM,
  RESULTS_STREAM,
  agentInboxPrefix,
  agentsStreamConfig,
  connectNats,
  createAgentsBucket,
  ensureNatsResources,
  jobConsumer,
  jobSubject,
  listAgents,
  observeSubject,
  publishHeartbeat,
  readCredentials,
  readHeartbeat,
  resultSubject,
  writeNatsConfig,
  type WrittenNatsConfig,
} from '../../src/nats/index.js';
import { freePort, startNatsServer, type NatsServer } from '../helpers/nats-server.js';

/** nats.js v3 rejects a request whose subject the server refused with the server's own words. */
const PERMISSION_DENIED = /permissions violation for publish/i;

let server: NatsServer;
let dir: string;
let written: WrittenNatsConfig;
let control: NatsConnection;
let agentA: NatsConnection;
let jsControl: JetStreamClient;
let jsA: JetStreamClient;

/** An agent connects as its host does: its user, and replies only under its own inbox prefix. */
function connectAgent(host: string): Promise<NatsConnection> {
  return connectNats({
    url: server.url,
    credsFile: written.agentCreds[host],
    name: `test agent ${host}`,
    inboxPrefix: agentInboxPrefix(host),
  });
}

async function jobsFor(host: string): Promise<number> {
  const jsm = await jetstreamManager(control);
  return (await jsm.consumers.info(JOBS_STREAM, jobConsumer(host))).num_pending;
}

async function storedOn(stream: string, subject: string): Promise<number> {
  const jsm = await jetstreamManager(control);
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'locker-nats-config-'));
  const port = await freePort();
  written = await writeNatsConfig(dir, { hosts: ['a', 'b'], listen: `127.0.0.1:${port}`, storeDir: path.join(dir, 'jetstream') });
  server = await startNatsServer({ port, config: () => readFileSync(written.configFile, 'utf8') });
  control = await connectNats({ url: server.url, credsFile: written.controlCreds, name: 'test control' });
  await ensureNatsResources(control, ['a', 'b']);
  jsControl = jetstream(control);
  agentA = await connectAgent('a');
  jsA = jetstream(agentA, { timeout: 2000 });
});

afterAll(async () => {
  await agentA?.close();
  await control?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('writeNatsConfig', () => {
  it('writes credentials readable only by their owner, and keeps them when run again', async () => {
    for (const file of [written.configFile, written.controlCreds, written.agentCreds.a!, written.agentCreds.b!]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(readCredentials(written.agentCreds.a!).user).toBe('agent-a');
    const again = await writeNatsConfig(dir, { hosts: ['a', 'b', 'c'], listen: '127.0.0.1:1', storeDir: path.join(dir, 'js') });
    expect(again.generated).toEqual([again.agentCreds.c]);
    expect(readCredentials(again.agentCreds.a!)).toEqual(readCredentials(written.agentCreds.a!));
  });
});

describe('a server configured by renderNatsConfig', () => {
  it('refuses a connection without credentials', async () => {
    await expect(connectNats({ url: server.url, name: 'stranger' })).rejects.toMatchObject({
      code: 'NATS_AUTH',
      retryable: false,
      message: expect.stringMatching(/requires a user.*authorization violation/i),
    });
  });

  it('lets the control point publish jobs for any host', async () => {
    const before = { a: await jobsFor('a'), b: await jobsFor('b') };
    const ackA = await jsControl.publish(jobSubject('a'), '{"for":"a"}');
    const ackB = await jsControl.publish(jobSubject('b'), '{"for":"b"}');
    expect([ackA.stream, ackB.stream]).toEqual([JOBS_STREAM, JOBS_STREAM]);
    expect({ a: await jobsFor('a'), b: await jobsFor('b') }).toEqual({ a: before.a + 1, b: before.b + 1 });
  });

  it('does not let agent a publish a job for host b', async () => {
    const before = await jobsFor('b');
    await expect(jsA.publish(jobSubject('b'), '{"forged":true}')).rejects.toThrow(PERMISSION_DENIED);
    agentA.publish(jobSubject('b'), '{"forged":true}');
    await agentA.flush();
    expect(await jobsFor('b')).toBe(before);
  });

  it('does not let agent a read or take host b\'s jobs', async () => {
    await jsControl.publish(jobSubject('b'), '{"for":"b"}');
    const before = await jobsFor('b');
    await expect(jsA.consumers.get(JOBS_STREAM, jobConsumer('b'))).rejects.toThrow(PERMISSION_DENIED);
    const pull = agentA.request(`$JS.API.CONSUMER.MSG.NEXT.${JOBS_STREAM}.${jobConsumer('b')}`, JSON.stringify({ batch: 1, no_wait: true }), {
      timeout: 2000,
    });
    await expect(pull).rejects.toThrow(PERMISSION_DENIED);
    expect(await jobsFor('b')).toBe(before);
  });

  it('lets agent a take its own jobs with fetch and with consume, and ack them', async () => {
    const consumer = await jsA.consumers.get(JOBS_STREAM, jobConsumer('a'));
    // Earlier tests queued jobs for a: drain them so the ones below are the ones received.
    for (let left = await jobsFor('a'); left > 0; left = await jobsFor('a')) {
      for await (const m of await consumer.fetch({ max_messages: left, expires: 2000 })) await m.ackAck();
    }
    await jsControl.publish(jobSubject('a'), '{"n":1}');
    const fetched: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 1, expires: 5000 })) {
      fetched.push(m.string());
      expect(await m.ackAck()).toBe(true);
    }
    expect(fetched).toEqual(['{"n":1}']);

    await jsControl.publish(jobSubject('a'), '{"n":2}');
    const messages = await consumer.consume({ max_messages: 10 });
    for await (const m of messages) {
      expect(m.string()).toBe('{"n":2}');
      m.working();
      expect(await m.ackAck()).toBe(true);
      break;
    }
    expect(await jobsFor('a')).toBe(0);
    // A work queue drops what was acked.
    expect(await storedOn(JOBS_STREAM, jobSubject('a'))).toBe(0);
  });

  it('lets agent a publish its heartbeat and results, not host b\'s', async () => {
    const beat = { host: 'a', lxcpath: '/var/lib/lxc', pid: 42, version: 'test', at: new Date().toISOString() };
    await publishHeartbeat(jsA, beat);
    await expect(publishHeartbeat(jsA, { ...beat, host: 'b' })).rejects.toThrow(PERMISSION_DENIED);
    const agents = await listAgents(control);
    expect(agents.map((x) => [x.host, x.up, x.pid])).toEqual([['a', true, 42]]);

    const ack = await jsA.publish(resultSubject('a'), '{"ok":true}');
    expect(ack.stream).toBe(RESULTS_STREAM);
    await expect(jsA.publish(resultSubject('b'), '{"ok":true}')).rejects.toThrow(PERMISSION_DENIED);
    expect(await storedOn(RESULTS_STREAM, resultSubject('b'))).toBe(0);
  });

  it('lets agent a make the agents bucket, and no other stream; never change or delete one', async () => {
    await createAgentsBucket(agentA);
    const jsmA = await jetstreamManager(agentA, { checkAPI: false });
    await expect(jsmA.streams.add({ name: 'FORGED', subjects: ['forged.>'] })).rejects.toThrow(PERMISSION_DENIED);
    await expect(jsmA.streams.update(AGENTS_STREAM, agentsStreamConfig(1))).rejects.toThrow(PERMISSION_DENIED);
    await expect(jsmA.streams.delete(AGENTS_STREAM)).rejects.toThrow(PERMISSION_DENIED);
    await expect(jsmA.streams.purge(AGENTS_STREAM)).rejects.toThrow(PERMISSION_DENIED);
  });

  it("lets agent a read back its own heartbeat (its lease), not host b's", async () => {
    const beat = { host: 'a', lxcpath: '/var/lib/lxc', pid: 43, version: 'test', at: new Date().toISOString() };
    const revision = await publishHeartbeat(jsA, beat);
    expect(await readHeartbeat(agentA, 'a')).toMatchObject({ revision, value: beat });
    await publishHeartbeat(jsControl, { ...beat, host: 'b' });
    await expect(readHeartbeat(agentA, 'b')).rejects.toThrow(PERMISSION_DENIED);
  });

  it('lets agent a answer observe requests for a, and hear none for b', async () => {
    const own = agentA.subscribe(observeSubject('a'), {
      callback: (err, msg) => {
        if (!err) msg.respond('{"host":"a"}');
      },
    });
    const refused = new Promise<Error>((resolve) => {
      agentA.subscribe(observeSubject('b'), {
        callback: (err, msg) => {
          if (err) resolve(err);
          else msg.respond('{"host":"forged"}');
        },
      });
    });
    await agentA.flush();
    expect((await refused).message).toMatch(/permissions violation for subscription to "locker\.observe\.b"/i);
    const reply = await control.request(observeSubject('a'), '', { timeout: 2000 });
    expect(reply.string()).toBe('{"host":"a"}');
    await expect(control.request(observeSubject('b'), '', { timeout: 2000 })).rejects.toThrow(/no responders|timeout/i);
    own.unsubscribe();
  });
});
