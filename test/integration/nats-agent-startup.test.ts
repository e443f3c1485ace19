// An agent is never silent and never invisible: pointed at a server that is not there it says where it
// connects and what fails, and keeps retrying; once the server is up it connects by itself. On a fresh
// server no control point ever touched, it makes the agents bucket itself, and `locker hosts` lists it as
// soon as it says "agent started" (its first heartbeat is written before that line).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securedNats, type AgentProcess, type SecuredNats } from '../helpers/secured-nats.js';

let nats: SecuredNats;
let agent: AgentProcess;

beforeAll(async () => {
  nats = await securedNats(['h04']);
});

afterAll(async () => {
  await nats?.cleanUp();
});

describe('an agent started before its server', () => {
  it('says where it connects, as which user, and what fails, and keeps retrying', async () => {
    agent = nats.startAgent('h04', { lxcpath: await nats.lxcpath() });
    const out = await agent.waitFor(/cannot connect/);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe(`host=h04 connecting to ${nats.url} as user agent-h04 (${nats.creds('h04')})`);
    expect(lines[1]).toMatch(new RegExp(`^host=h04 cannot connect to ${nats.url}: connection refused \\(retrying, every 2 s\\)$`));
    expect(agent.running()).toBe(true);
  });

  it('connects once the server is up, makes the agents bucket, and is listed as soon as it says it started', async () => {
    // A fresh server with Locker's users: no control point has run, no stream or bucket exists.
    await nats.startServer();
    const out = await agent.waitFor(/agent started/);
    expect(out).toMatch(new RegExp(`host=h04 connected to 127\\.0\\.0\\.1:\\d+ after \\d+ failed attempt`));
    expect(out).not.toMatch(/jetstream is not enabled|heartbeat: publishing the heartbeat failed/i);
    // No waiting here: the heartbeat that lists it was stored before "agent started" was printed.
    const listed = (await nats.hosts()).find((a) => a.host === 'h04');
    expect(listed?.pid, out).toBe(agent.pid);
    expect(agent.output()).not.toMatch(/jetstream is not enabled|heartbeat: publishing the heartbeat failed/i);
  });

  it('stops cleanly', async () => {
    await agent.kill('SIGTERM');
    expect(await agent.exited, agent.output()).toBe(0);
  });
});
