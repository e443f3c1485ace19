// The same over NATS, with an agent process and its own narrow credentials: `exec` streams the output back
// through the agent (exit statuses, signal death, clean environment), freeze/unfreeze/restart run as jobs,
// a container frozen by hand is `~ unfreeze` drift, and a host whose agent is gone is AGENT_OFFLINE (125).

import { execa } from 'execa';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectNats } from '../../src/nats/index.js';
import { execSubject } from '../../src/nats/names.js';
import { execReply, type ExecReply } from '../../src/transport/wire/index.js';
import { startPromptHost } from '../helpers/busybox-bench.js';
import { cleanUp } from '../helpers/clean-up.js';
import type { NatsHosts } from '../helpers/nats-hosts.js';
import { LOCKER_BIN, runLocker, show } from '../helpers/run-locker.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import type { TestBridge } from '../helpers/test-bridge.js';

let t: NatsHosts;
let bridge: TestBridge;

beforeAll(async () => {
  // No rcS (so no DHCP wait): init halts on the clean-stop signal at once, in about 2 s.
  ({ t, bridge } = await startPromptHost(['a', 'b']));
  const up = await t.control('up', '--yes');
  expect(up.exitCode, show(up)).toBe(0);
});

afterAll(async () => {
  await cleanUp([async () => t?.cleanUp(), async () => bridge?.destroy()]);
});

/** Locker's options go before `exec`: after its container every word is the command's. */
const controlOpts = () => ['-p', t.project, '--nats', t.server.url, '--creds', path.join(t.work, 'nats', 'control.creds')];
const exec = (...args: string[]) => runLocker([...controlOpts(), 'exec', ...args], { cwd: t.work });
const lxc = (tool: string, short: string) => execa(tool, ['-P', t.envs.h1!.lxcpath, '-n', `${t.project}_${short}`]);
const events = () => readNatsEvents(t.server.url, path.join(t.work, 'nats', 'control.creds'), t.project);

describe('exec over NATS', () => {
  it('streams the output back through the agent and passes exit statuses through', async () => {
    const three = await exec('a', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; exit 3');
    expect(three.exitCode, show(three)).toBe(3);
    expect(three.stdout).toBe('to-out');
    expect(three.stderr.trim()).toBe('to-err');

    const killed = await exec('a', 'sh', '-c', 'kill -9 $$');
    expect(killed.exitCode, show(killed)).toBe(137);

    const envInside = await exec('a', 'env');
    expect(envInside.exitCode, show(envInside)).toBe(0);
    expect(envInside.stdout.split('\n').map((l) => l.split('=')[0]).sort()).toEqual(['PATH', 'container']);

    // More output than one message holds, and bytes that are not UTF-8, in order and unchanged.
    const big = await execa(
      process.execPath,
      [LOCKER_BIN, ...controlOpts(), 'exec', 'a', 'sh', '-c', 'seq 1 200000; printf "\\377"'],
      { cwd: t.work, reject: false, stdin: 'ignore', encoding: 'buffer' },
    );
    expect(big.exitCode).toBe(0);
    const out = Buffer.from(big.stdout);
    expect(out.at(-1)).toBe(0xff);
    const lines = out.subarray(0, -1).toString('utf8').trimEnd().split('\n');
    expect(lines.length).toBe(200_000);
    expect(lines.every((l, i) => l === String(i + 1))).toBe(true);

    const recorded = (await events()).filter((e) => e.type === 'exec.finished');
    expect(recorded.map((e) => e.type === 'exec.finished' && [e.data.host, e.data.container, e.data.exitCode])).toEqual([
      ['h1', 'a', 3],
      ['h1', 'a', 137],
      ['h1', 'a', 0],
      ['h1', 'a', 0],
    ]);
  });

  it('refuses an unknown container and a frozen one, with exit 125', async () => {
    const unknown = await exec('aa', 'true');
    expect(unknown.exitCode, show(unknown)).toBe(125);
    expect(unknown.stderr).toMatch(/error\[CONTAINER_NOT_FOUND\] no container named aa in locker\.yml\nhint: did you mean "a"\?/);
    await lxc('lxc-freeze', 'b');
    const frozen = await exec('b', 'true');
    expect(frozen.exitCode, show(frozen)).toBe(125);
    expect(frozen.stderr).toMatch(/error\[CONTAINER_NOT_RUNNING\] container b is FROZEN on host h1/);
    await lxc('lxc-unfreeze', 'b');
  });
});

describe('the agent checks exec requests on its own', () => {
  /** A request published as anyone with the control point's credentials could: the agent's answer. */
  async function ask(request: unknown): Promise<ExecReply> {
    const nc = await connectNats({ url: t.server.url, credsFile: path.join(t.work, 'nats', 'control.creds'), name: 'hostile exec' });
    try {
      const reply = await nc.request(execSubject('h1'), JSON.stringify(request), { timeout: 5_000 });
      return execReply.decode(reply.data, 'reply');
    } finally {
      await nc.close();
    }
  }
  const marker = '/tmp/locker-exec-hostile-marker';

  it('refuses hostile requests, and runs nothing of them, in the container or on the host', async () => {
    // A container of that host that Locker did not make for the project named: not to be entered.
    const foreign = `${t.project}z_web`;
    await execa('lxc-create', ['-P', t.envs.h1!.lxcpath, '-n', foreign, '-t', 'busybox']);
    const execId = 'b'.repeat(32);
    const cases: Array<[unknown, string, RegExp]> = [
      [{ execId, project: `${t.project}z`, container: 'web', lxcName: foreign, argv: ['touch', marker] }, 'HOST_PRECONDITION', /is not a container Locker made for project/],
      [{ execId, project: t.project, container: 'a', lxcName: `${t.project}_b`, argv: ['touch', marker] }, 'MESSAGE_INVALID', /lxc name .* is not/],
      [{ execId, project: t.project, container: 'a', lxcName: `${t.project}_a`, argv: `touch ${marker}` }, 'MESSAGE_INVALID', /argv: /],
      [{ execId, project: t.project, container: 'a', lxcName: `${t.project}_a`, argv: ['touch', marker], env: { LD_PRELOAD: '/x' } }, 'MESSAGE_INVALID', /Unrecognized key/],
      [{ execId, project: '../..', container: 'a', lxcName: '../.._a', argv: ['touch', marker] }, 'MESSAGE_INVALID', /project name/],
      [{ execId, project: t.project, container: 'nope', lxcName: `${t.project}_nope`, argv: ['touch', marker] }, 'CONTAINER_NOT_FOUND', /does not exist on host h1/],
    ];
    try {
      for (const [request, code, message] of cases) {
        const reply = await ask(request);
        expect(reply.ok, JSON.stringify(request)).toBe(false);
        if (!reply.ok) {
          expect(reply.error.code, JSON.stringify(request)).toBe(code);
          expect(reply.error.message).toMatch(message);
        }
      }
    } finally {
      await execa('lxc-destroy', ['-P', t.envs.h1!.lxcpath, '-n', foreign]);
    }
    expect(existsSync(marker)).toBe(false);
    const inside = await exec('a', 'ls', marker);
    expect(inside.exitCode, show(inside)).not.toBe(0);
  });
});

describe('freeze, unfreeze and restart over NATS', () => {
  it('freeze and unfreeze run as jobs of the agent; frozen by hand is drift; restart restarts', async () => {
    const freeze = await t.control('freeze', '--yes');
    expect(freeze.exitCode, show(freeze)).toBe(0);
    expect(await t.containersOn('h1')).toEqual({ [`${t.project}_a`]: 'FROZEN', [`${t.project}_b`]: 'FROZEN' });
    const status = await t.control('status', '--json');
    const rows = (JSON.parse(status.stdout) as { containers: Array<{ name: string; state: string }> }).containers;
    expect(rows.map((r) => r.state)).toEqual(['FROZEN', 'FROZEN']);
    const unfreeze = await t.control('unfreeze', '--yes', 'a');
    expect(unfreeze.exitCode, show(unfreeze)).toBe(0);
    expect(await t.containersOn('h1')).toEqual({ [`${t.project}_a`]: 'RUNNING', [`${t.project}_b`]: 'FROZEN' });

    const plan = await t.control('plan');
    expect(plan.exitCode, show(plan)).toBe(2);
    expect(plan.stdout).toMatch(new RegExp(`${t.project}_b on h1\\n\\s+~ unfreeze\\s+container is FROZEN\\s+.*\\(drifted\\)`));
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);

    const before = (await execa('lxc-info', ['-P', t.envs.h1!.lxcpath, '-n', `${t.project}_a`, '-pH'])).stdout.trim();
    const restart = await t.control('restart', '--yes', '-t', '5', 'a');
    expect(restart.exitCode, show(restart)).toBe(0);
    const after = (await execa('lxc-info', ['-P', t.envs.h1!.lxcpath, '-n', `${t.project}_a`, '-pH'])).stdout.trim();
    expect(after).not.toBe(before);
    expect(await t.containersOn('h1')).toEqual({ [`${t.project}_a`]: 'RUNNING', [`${t.project}_b`]: 'RUNNING' });

    const done = (await events()).filter((e) => e.type === 'action.succeeded').map((e) => 'actionId' in e && e.actionId);
    for (const id of ['h1/a/freeze', 'h1/b/freeze', 'h1/a/unfreeze', 'h1/b/unfreeze', 'h1/a/stop', 'h1/a/start']) expect(done).toContain(id);
    const last = await t.control('plan');
    expect(last.exitCode, show(last)).toBe(0);
  });

  it('exec on a host whose agent is gone is AGENT_OFFLINE, exit 125', async () => {
    await t.stopAgent('h1');
    const offline = await exec('a', 'true');
    expect(offline.exitCode, show(offline)).toBe(125);
    expect(offline.stderr).toMatch(/error\[AGENT_OFFLINE\] agent of host "h1" is not answering/);
    t.startAgent('h1');
    await t.waitAgents(['h1'], true);
  });
});
