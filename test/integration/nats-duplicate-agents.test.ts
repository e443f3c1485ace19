// One agent per host: a second `locker agent --host h03` refuses to start, naming the running one (pid,
// machine), whether it shares the lxcpath (a lock file) or runs on another machine (the heartbeat key is a
// lease). A holder killed with kill -9 does not block a restart: at once on its machine, after it stays
// silent elsewhere. An agent that was silent long enough to be replaced stops when it wakes.
// "Another machine" is a UTS namespace with its own hostname.

import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securedNats, type AgentProcess, type SecuredNats } from '../helpers/secured-nats.js';

let nats: SecuredNats;
let lxcpathA: string;
let lxcpathB: string;
const OTHER_MACHINE = 'locker-test-other';
const here = () => hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  nats = await securedNats(['h03'], [{ bin: 'unshare', pkg: 'util-linux' }]);
  await nats.startServer();
  lxcpathA = await nats.lxcpath();
  lxcpathB = await nats.lxcpath();
});

afterAll(async () => {
  await nats?.cleanUp();
});

/** The agent `locker hosts` lists for h03. */
async function listed(): Promise<{ pid: number; machine?: string; lxcpath: string }> {
  const agent = (await nats.hosts()).find((a) => a.host === 'h03');
  if (!agent) throw new Error('locker hosts does not list h03');
  return agent;
}

let first: AgentProcess;

describe('a second agent for one host', () => {
  it('the first agent starts and is listed', async () => {
    first = nats.startAgent('h03', { lxcpath: lxcpathA });
    await first.waitFor(/agent started/);
    expect(await listed()).toMatchObject({ pid: first.pid, machine: hostname(), lxcpath: lxcpathA });
  });

  it('on the same lxcpath: refuses to start, naming the running agent', async () => {
    const second = nats.startAgent('h03', { lxcpath: lxcpathA });
    expect(await second.exited, second.output()).toBe(1);
    expect(second.output()).toContain(
      `error[AGENT_DUPLICATE] lxcpath ${lxcpathA} already has an agent: pid ${first.pid} on ${hostname()} (host h03)`,
    );
    expect(second.output()).not.toMatch(/agent started|connecting/);
    expect(first.running()).toBe(true);
    expect((await listed()).pid).toBe(first.pid);
  });

  it('on another machine: refuses to start, naming the running agent and its machine', async () => {
    const second = nats.startAgent('h03', { lxcpath: lxcpathB, machine: OTHER_MACHINE });
    expect(await second.exited, second.output()).toBe(1);
    expect(second.output()).toMatch(
      new RegExp(`^error\\[AGENT_DUPLICATE\\] host h03 already has an agent: pid ${first.pid} on ${here()} \\(lxcpath ${lxcpathA}`, 'm'),
    );
    expect(second.output()).not.toMatch(/agent started/);
    expect(first.running()).toBe(true);
    expect((await listed()).pid).toBe(first.pid);
  });
});

describe('a holder that died', () => {
  it('killed with kill -9: an agent restarted on its machine takes over at once', async () => {
    await first.kill('SIGKILL');
    const restarted = nats.startAgent('h03', { lxcpath: lxcpathA });
    const out = await restarted.waitFor(/agent started/);
    expect(out).toContain(`taking over from pid ${first.pid} on ${hostname()}`);
    expect(out).toContain('that process is gone');
    expect(out).not.toMatch(/watching it/);
    expect((await listed()).pid).toBe(restarted.pid);
    first = restarted;
  });

  it('killed with kill -9: an agent on another machine takes over once the dead one stays silent', async () => {
    await first.kill('SIGKILL');
    const elsewhere = nats.startAgent('h03', { lxcpath: lxcpathB, machine: OTHER_MACHINE });
    const out = await elsewhere.waitFor(/agent started/);
    expect(out).toMatch(new RegExp(`watching it for up to \\d+ s .*\\n.*taking over from pid ${first.pid} on ${here()} .*no heartbeat for`));
    expect(await listed()).toMatchObject({ pid: elsewhere.pid, machine: OTHER_MACHINE, lxcpath: lxcpathB });
    first = elsewhere;
  });
});

describe('an agent replaced while it was frozen', () => {
  it('stops with AGENT_DUPLICATE when it wakes, and the other one keeps the host', async () => {
    process.kill(first.pid, 'SIGSTOP');
    let replacement: AgentProcess;
    try {
      replacement = nats.startAgent('h03', { lxcpath: lxcpathA });
      await replacement.waitFor(/agent started/);
    } finally {
      process.kill(first.pid, 'SIGCONT');
    }
    expect(await first.exited, first.output()).toBe(1);
    expect(first.output()).toContain(`error[AGENT_DUPLICATE] host h03 was taken over by pid ${replacement.pid} on ${hostname()}`);
    expect(replacement.running()).toBe(true);
    expect((await listed()).pid).toBe(replacement.pid);
    await replacement.kill('SIGTERM');
    expect(await replacement.exited).toBe(0);
  });
});
