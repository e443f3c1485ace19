// The power went mid-append: the event log ends in half a line that was never acknowledged. Readers
// (`plan`, `runs`, `status`, `show`) skip it with a warning, the next command that writes drops it, and a
// damaged line in the middle of the log is still EVENT_LOG_CORRUPT, naming file and line.

import { randomInt } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';

let env: LxcEnv;
let work: string;
const TORN = '{"v":1,"seq":99,"ts":"2026-03-0';

const locker = (...args: string[]) => runLocker([...args, '--yes', '-P', env.lxcpath, '-p', env.prefix], { cwd: work });
const logFile = () => path.join(work, '.locker', env.prefix, 'events.jsonl');
const warning = () => `warning: ignoring a torn last line in ${logFile()} (${TORN.length} bytes): an append that did not finish`;

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = await mkdtemp('/tmp/locker-it-torn-');
  await writeFile(path.join(work, 'locker.yml'), 'web:\n  template: busybox\n');
}, 60_000);

afterAll(async () => {
  const failures: unknown[] = [];
  const step = async (f: () => Promise<unknown>) => f().catch((e: unknown) => failures.push(e));
  if (env) {
    await step(() => removeRulesTagged(ruleTag(env.prefix)));
    await step(() => env.destroyAll());
  }
  if (work) await step(() => rm(work, { recursive: true, force: true }));
  if (failures.length > 0) throw new AggregateError(failures, 'cleanup of the torn-log test failed');
}, 120_000);

describe('a torn last line in the event log', () => {
  let runId = '';
  let committed = '';

  it('is skipped with a warning by plan, runs, status and show', async () => {
    const up = await locker('up');
    expect(up.exitCode, show(up)).toBe(0);
    committed = await readFile(logFile(), 'utf8');
    await appendFile(logFile(), TORN);

    const runs = await locker('runs', '--json');
    expect(runs.exitCode, show(runs)).toBe(0);
    const listed = JSON.parse(runs.stdout) as Array<{ runId: string; status: string }>;
    expect(listed.map((r) => r.status)).toEqual(['succeeded']);
    runId = listed[0]!.runId;
    expect(runs.stderr).toContain(warning());

    for (const args of [['plan'], ['status'], ['show', runId]]) {
      const r = await locker(...args);
      expect(r.exitCode, `${args.join(' ')}: ${show(r)}`).toBe(0);
      expect(r.stderr, args.join(' ')).toContain(warning());
    }
    expect(await readFile(logFile(), 'utf8')).toBe(committed + TORN);
  }, 240_000);

  it('is dropped by the next command that writes the log', async () => {
    await writeFile(path.join(work, 'locker.yml'), `web:\n  template: busybox\n  ports: ["${randomInt(41_000, 49_000)}:80"]\n`);
    const up = await locker('up');
    expect(up.exitCode, show(up)).toBe(0);
    // Its plan reads the log before its run writes it: the warning may come once, before the drop.
    expect(up.stderr.match(/torn last line/g)?.length ?? 0).toBeLessThanOrEqual(1);
    const text = await readFile(logFile(), 'utf8');
    expect(text.startsWith(committed)).toBe(true);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).not.toContain(TORN);
    const runs = await locker('runs', '--json');
    expect(runs.stderr).not.toContain('torn');
    expect((JSON.parse(runs.stdout) as Array<{ status: string }>).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }, 240_000);

  it('while a damaged line in the middle stays EVENT_LOG_CORRUPT, with file and line', async () => {
    const lines = (await readFile(logFile(), 'utf8')).split('\n');
    lines[1] = `${lines[1]!.slice(0, 20)}`;
    await writeFile(logFile(), lines.join('\n'));
    for (const args of [['runs'], ['plan']]) {
      const r = await locker(...args);
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(/^error\[EVENT_LOG_CORRUPT\] events\.jsonl:2: not valid JSON/);
    }
  }, 120_000);
});
