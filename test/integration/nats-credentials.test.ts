// Wrong credentials against a server configured by `locker nats-config`, through the real CLI: each case is
// one NATS_AUTH error, not retryable, naming the credentials file and the user in it, with no stack trace;
// an agent given another host's file stops at once; an agent given the control user's file is warned.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securedNats, type SecuredNats } from '../helpers/secured-nats.js';
import { show, type LockerResult } from '../helpers/run-locker.js';

let nats: SecuredNats;

beforeAll(async () => {
  // h03's user is written without the permissions of this version (as by an older nats-config).
  nats = await securedNats(['h01', 'h02', 'h03']);
  const grant = ', "$JS.API.DIRECT.GET.KV_locker_agents.$KV.locker_agents.h03"';
  await nats.startServer((config) => {
    if (!config.includes(grant)) throw new Error(`nats-config no longer writes ${grant}: update this test`);
    return config.replace(grant, '');
  });
  writeFileSync(path.join(nats.work, 'locker.yml'), 'web:\n  host: h01\n  template: busybox\n');
});

afterAll(async () => {
  await nats?.cleanUp();
});

/** The error a failed command printed with --json. */
function jsonError(r: LockerResult): { code: string; message: string; hint?: string; retryable: boolean } {
  expect(r.exitCode, show(r)).toBe(1);
  return (JSON.parse(r.stdout) as { error: { code: string; message: string; hint?: string; retryable: boolean } }).error;
}

/** One `error[NATS_AUTH]` line and one hint line: no stack trace, no cause chain. */
function expectShortAuthError(r: LockerResult): void {
  expect(r.exitCode, show(r)).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, show(r)).toHaveLength(2);
  expect(lines[0]).toMatch(/^error\[NATS_AUTH\] /);
  expect(lines[1]).toMatch(/^hint: /);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('the control point with the wrong credentials', () => {
  it("an agent's file: NATS_AUTH naming the file and its user, pointing at control.creds", async () => {
    const agentFile = nats.creds('h01');
    for (const command of [['hosts'], ['plan', '-p', 'creds']]) {
      const r = await nats.control(command, agentFile);
      expectShortAuthError(r);
      expect(r.stderr).toContain(`user agent-h01 from ${agentFile} (the user of host h01's agent)`);
      expect(r.stderr).toMatch(/^hint: .*control\.creds/m);
      const error = jsonError(await nats.control([...command, '--json'], agentFile));
      expect(error).toMatchObject({ code: 'NATS_AUTH', retryable: false });
    }
  });

  it('no credentials on a server that requires them: NATS_AUTH, not AGENT_OFFLINE, saying to pass --creds', async () => {
    const r = await nats.control(['hosts'], null);
    expectShortAuthError(r);
    expect(r.stderr).toMatch(/requires a user, and no credentials were given/);
    expect(r.stderr).toMatch(/^hint: pass --creds FILE .*control\.creds/m);
    expect(jsonError(await nats.control(['hosts', '--json'], null))).toMatchObject({ code: 'NATS_AUTH', retryable: false });
  });

  it('a password the server does not know: NATS_AUTH naming the file and the user', async () => {
    const stale = path.join(nats.work, 'stale-control.creds');
    writeFileSync(stale, JSON.stringify({ user: 'control', password: 'not-the-password' }), { mode: 0o600 });
    const r = await nats.control(['hosts'], stale);
    expectShortAuthError(r);
    expect(r.stderr).toContain(`refused user control from ${stale} (the control point's user)`);
    expect(r.stderr).toMatch(/^hint: the password in .* reload the server/m);
  });
});

describe('an agent with the wrong credentials', () => {
  it("another host's file: the agent stops at once with NATS_AUTH saying the file belongs to h01", async () => {
    const agent = nats.startAgent('h02', { lxcpath: await nats.lxcpath(), creds: nats.creds('h01') });
    expect(await agent.exited, agent.output()).toBe(1);
    const out = agent.output();
    expect(out).toContain(`error[NATS_AUTH] credentials ${nats.creds('h01')} hold user agent-h01, the agent of host h01, not of host h02`);
    expect(out).toMatch(/^hint: start this agent with agent-h02\.creds/m);
    expect(out).not.toMatch(/permissions violation/i);
  });

  it("its own user, but a server configuration from before this version: it stops with NATS_AUTH, once", async () => {
    const agent = nats.startAgent('h03', { lxcpath: await nats.lxcpath() });
    expect(await agent.exited, agent.output()).toBe(1);
    const out = agent.output();
    expect(out).toMatch(/^error\[NATS_AUTH\] user agent-h03 from .*agent-h03\.creds \(the user of host h03's agent\) may not do what the agent of host h03 does: Permissions Violation/m);
    expect(out).toMatch(/^hint: the server's configuration is older than this locker: run `locker nats-config` again/m);
    expect(out.match(/Permissions Violation/g)).toHaveLength(1);
  });

  it("the control point's file: a warning that the agent is unrestricted, and the agent works", async () => {
    const agent = nats.startAgent('h02', { lxcpath: await nats.lxcpath(), creds: nats.creds('control') });
    const out = await agent.waitFor(/agent started/);
    expect(out).toContain(
      `host=h02 warning: credentials ${nats.creds('control')} hold user control, the control point's user: it may do anything on the server, so this agent is not confined to host h02's subjects`,
    );
    expect((await nats.hosts()).find((a) => a.host === 'h02')?.pid).toBe(agent.pid);
    await agent.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
  });
});
