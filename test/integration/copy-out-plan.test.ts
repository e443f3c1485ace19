// copy-out on real LXC: the plan names the volume folders it will seed (empty or missing ones), leaves
// the others alone by name, and the agent then does exactly that; embedded and through an agent over NATS.
// A folder that fills up between plan and apply makes the saved plan stale.

import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { startNatsServer, type NatsServer } from '../helpers/nats-server.js';
import { LOCKER_BIN, runLocker, show } from '../helpers/run-locker.js';
import { until } from '../helpers/wait-until.js';

interface Folders {
  /** An empty folder: seeded from /etc/init.d. */
  empty: string;
  /** A folder with a file in it: left alone, although the image has data at /home's place. */
  occupied: string;
  /** No folder yet: seeded from /etc/udhcpc. */
  missing: string;
}

interface PlanJson {
  plan: { actions: Array<{ id: string; kind: string; detail: string; params: { mounts?: Array<{ hostPath: string }> } }> };
}

const embedded = { work: '', env: undefined as LxcEnv | undefined };
const overNats = { work: '', env: undefined as LxcEnv | undefined };
let server: NatsServer | undefined;
let agent: ResultPromise | undefined;
let agentLog = '';

function makeFolders(work: string): Folders {
  const data = path.join(work, 'data');
  const folders = { empty: path.join(data, 'empty'), occupied: path.join(data, 'occupied'), missing: path.join(data, 'missing') };
  mkdirSync(folders.empty, { recursive: true });
  mkdirSync(folders.occupied, { recursive: true });
  writeFileSync(path.join(folders.occupied, 'keep.txt'), 'mine\n');
  return folders;
}

function writeSpec(work: string, f: Folders, host?: string): void {
  writeFileSync(
    path.join(work, 'locker.yml'),
    `containers:
  web:
    template: busybox
${host === undefined ? '' : `    host: ${host}\n`}    volumes:
      - ${f.empty}:/etc/init.d
      - ${f.occupied}:/home
      - ${f.missing}:/etc/udhcpc
`,
  );
}

/** The one line the plan shows for copy-out, without padding, location and reason. */
function copyOutLine(stdout: string): string | undefined {
  const line = stdout.split('\n').find((l) => /^\s+\+ copy-out\s/.test(l));
  return line?.replace(/^\s+\+ copy-out\s+/, '').replace(/\s+\S+:\d+:\d+\s+\(missing\)$/, '');
}

function expectedLine(f: Folders): string {
  return `seed ${f.empty}, ${f.missing} with the container's data; ${f.occupied} is not empty: left as it is`;
}

function seededPaths(json: string): string[] | undefined {
  const copy = (JSON.parse(json) as PlanJson).plan.actions.find((a) => a.kind === 'copy-out');
  return copy?.params.mounts?.map((m) => m.hostPath);
}

/** What the agent did: copy-out seeded the two named folders and never touched the third. */
function expectSeeded(f: Folders): void {
  expect(readdirSync(f.empty)).toContain('rcS');
  expect(readdirSync(f.missing)).toContain('default.script');
  expect(readdirSync(f.occupied)).toEqual(['keep.txt']);
  expect(readFileSync(path.join(f.occupied, 'keep.txt'), 'utf8')).toBe('mine\n');
}

beforeAll(async () => {
  await requireTools();
  embedded.env = await createLxcEnv();
  embedded.work = mkdtempSync(path.join(tmpdir(), 'locker-copyout-'));
  overNats.env = await createLxcEnv();
  overNats.work = mkdtempSync(path.join(tmpdir(), 'locker-copyout-nats-'));
});

afterAll(async () => {
  if (agent?.pid !== undefined && agent.exitCode === null) {
    process.kill(agent.pid, 'SIGTERM');
    await agent;
  }
  await server?.stop();
  for (const side of [embedded, overNats]) {
    await side.env?.destroyAll();
    if (side.work) rmSync(side.work, { recursive: true, force: true });
  }
});

describe('copy-out, embedded', () => {
  let f: Folders;
  const locker = (...args: string[]) => runLocker([...args, '-P', embedded.env!.lxcpath, '-p', embedded.env!.prefix], { cwd: embedded.work });

  beforeAll(() => {
    f = makeFolders(embedded.work);
    writeSpec(embedded.work, f);
  });

  it('the plan names the folders it seeds and the one it leaves alone', async () => {
    const r = await locker('plan');
    expect(r.exitCode, show(r)).toBe(2);
    expect(copyOutLine(r.stdout)).toBe(expectedLine(f));
    const json = await locker('plan', '--json');
    expect(seededPaths(json.stdout)).toEqual([f.empty, f.missing]);
  });

  it('a folder that filled up since the plan makes the saved plan stale', async () => {
    const saved = path.join(embedded.work, 'saved.json');
    const r = await locker('plan', '-o', saved);
    expect(r.exitCode, show(r)).toBe(2);
    writeFileSync(path.join(f.empty, 'late.txt'), 'written after the plan\n');
    try {
      const apply = await locker('apply', saved, '--yes');
      expect(apply.exitCode, show(apply)).toBe(1);
      expect(apply.stderr).toMatch(/^error\[PLAN_STALE\] plan is stale: host "local" changed/m);
    } finally {
      rmSync(path.join(f.empty, 'late.txt'));
    }
  });

  it('create: the agent seeds exactly the folders the plan named', async () => {
    const r = await locker('create', '--yes');
    expect(r.exitCode, show(r)).toBe(0);
    expect(copyOutLine(r.stdout)).toBe(expectedLine(f));
    expectSeeded(f);
    const log = readFileSync(path.join(embedded.work, '.locker', embedded.env!.prefix, 'events.jsonl'), 'utf8');
    const done = log
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { type: string; actionId?: string; data?: { outcome?: string; detail?: string } })
      .find((e) => e.type === 'action.succeeded' && e.actionId === 'local/web/copy-out');
    expect(done?.data?.outcome).toBe('done');
    const parts = done?.data?.detail?.split('; ') ?? [];
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatch(new RegExp(`^copied /etc/init\\.d to ${f.empty} \\(`));
    expect(parts[1]).toMatch(new RegExp(`^copied /etc/udhcpc to ${f.missing} \\(`));
  });

  it('once the container exists, its folders are no longer asked about', async () => {
    const r = await locker('plan', '--json');
    expect(r.exitCode, show(r)).toBe(2); // not started yet
    expect(seededPaths(r.stdout)).toBeUndefined();
  });
});

describe('copy-out through an agent over NATS', () => {
  let f: Folders;
  const host = 'seedhost';
  const locker = (...args: string[]) => runLocker([...args, '-p', overNats.env!.prefix, '--nats', server!.url], { cwd: overNats.work });

  beforeAll(async () => {
    f = makeFolders(overNats.work);
    writeSpec(overNats.work, f, host);
    server = await startNatsServer();
    agent = execa(process.execPath, [LOCKER_BIN, 'agent', '--host', host, '--nats', server.url, '-P', overNats.env!.lxcpath], {
      reject: false,
      all: true,
      stdin: 'ignore',
    });
    agent.all?.on('data', (d: Buffer) => {
      agentLog = (agentLog + d.toString()).slice(-20_000);
    });
  });

  it('the plan, observed by the agent, names the same folders', async () => {
    const r = await until(
      'the agent to answer a plan',
      async () => {
        if (agent?.exitCode !== null) throw new Error(`the agent exited:\n${agentLog}`);
        const p = await locker('plan');
        return p.exitCode === 2 && !/not answering/.test(p.stderr) ? p : undefined;
      },
      90_000,
      500,
    );
    expect(copyOutLine(r.stdout)).toBe(expectedLine(f));
    const json = await locker('plan', '--json');
    expect(seededPaths(json.stdout), show(json)).toEqual([f.empty, f.missing]);
  });

  it('create: the agent seeds exactly those', async () => {
    const r = await locker('create', '--yes');
    expect(r.exitCode, `${show(r)}\n--- agent\n${agentLog}`).toBe(0);
    expectSeeded(f);
    expect(existsSync(path.join(overNats.env!.lxcpath, `${overNats.env!.prefix}_web`))).toBe(true);
  });
});
