// Stops on real LXC: every stop that may run runs at once (even at --parallelism 1), dependents before their
// dependencies; a container that ignores the clean stop is killed after its stop_timeout and the step says
// so; `down -t 0` kills at once. Concurrency is proven by the order of the run's events, never by timing.

import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loggedEvents, useBusyboxBench, writePromptInit } from '../helpers/busybox-bench.js';
import { runLocker, show } from '../helpers/run-locker.js';

interface LoggedEvent {
  type: string;
  runId: string;
  actionId?: string;
  data: { kind?: string; detail?: string; warning?: string };
}

const STUCK_INITTAB = '::sysinit:/bin/busybox sleep 86400\n';

const bench = useBusyboxBench();

/** A project of its own (name `<prefix><tag>`) in a folder of its own, with the two inittabs beside its spec. */
function project(tag: string, containers: string) {
  const { env } = bench;
  const work = bench.newWork('locker-stops-');
  writePromptInit(work);
  writeFileSync(path.join(work, 'init', 'stuck'), STUCK_INITTAB);
  writeFileSync(path.join(work, 'locker.yml'), `containers:\n${containers}`);
  const name = `${env.prefix}${tag}`;
  const locker = (...args: string[]) => runLocker([...args, '-P', env.lxcpath, '-p', name], { cwd: work });
  const events = () => loggedEvents<LoggedEvent>(work, name);
  /** The events of the project's latest run. */
  const lastRun = (): LoggedEvent[] => {
    const all = events();
    const runId = all.filter((e) => e.type === 'run.started').at(-1)?.runId;
    return all.filter((e) => e.runId === runId);
  };
  const state = async (short: string) =>
    (await execa('lxc-info', ['-P', env.lxcpath, '-n', `${name}_${short}`, '-sH'], { reject: false })).stdout.trim();
  const names = async () =>
    (await execa('lxc-ls', ['-P', env.lxcpath, '-1'])).stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${name}_`));
  return { work, name, locker, lastRun, state, names };
}

function container(name: string, inittab: 'prompt' | 'stuck', extra = ''): string {
  return `  ${name}:\n    template: busybox\n    bridge: ${bench.bridge.name}\n    volumes: ["./init/${inittab}:/etc/inittab:ro"]\n${extra}`;
}

/** Position of the first event of `type` for action `id`; fails when there is none. */
function indexOf(events: readonly LoggedEvent[], type: string, id: string): number {
  const i = events.findIndex((e) => e.type === type && e.actionId === id);
  expect(i, `${type} of ${id} in ${events.map((e) => `${e.type} ${e.actionId ?? ''}`).join('\n')}`).toBeGreaterThanOrEqual(0);
  return i;
}

describe('stops', () => {
  it('down at --parallelism 1 asks every container to stop at once, dependents before their dependencies', async () => {
    const p = project('c', [
      container('db', 'prompt'),
      container('web', 'prompt', '    depends_on: [db]\n'),
      container('c1', 'prompt'),
      container('c2', 'prompt'),
    ].join(''));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);

    const down = await p.locker('down', '--yes', '--parallelism', '1');
    expect(down.exitCode, show(down)).toBe(0);
    const events = p.lastRun();
    const stop = (c: string) => `local/${c}/stop`;
    // Free to stop at once: web (nothing depends on it), c1, c2. Every one of them was taken up by the agent
    // before the first stop of the run finished: at parallelism 1, one at a time would interleave.
    const firstStopDone = Math.min(...['web', 'c1', 'c2', 'db'].map((c) => indexOf(events, 'action.succeeded', stop(c))));
    for (const c of ['web', 'c1', 'c2']) expect(indexOf(events, 'action.started', stop(c)), c).toBeLessThan(firstStopDone);
    // db keeps running until web, which depends on it, has stopped.
    expect(indexOf(events, 'action.started', stop('db'))).toBeGreaterThan(indexOf(events, 'action.succeeded', stop('web')));
    // Clean stops: nothing was killed.
    expect(events.filter((e) => e.data.warning !== undefined)).toEqual([]);
    expect(await p.names()).toEqual([]);
  });

  it('a container that ignores the clean stop is killed after its stop_timeout, and the step says so', async () => {
    const p = project('k', [container('stuck', 'stuck', '    stop_timeout: 1\n'), container('calm', 'prompt')].join(''));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    expect(await p.state('stuck')).toBe('RUNNING');

    const stop = await p.locker('stop', '--yes');
    expect(stop.exitCode, show(stop)).toBe(0);
    expect(stop.stderr).toMatch(new RegExp(`✓ ${p.name}_stuck stop \\[[^\\]]+\\]: did not stop within 1 s: killed`));
    expect(stop.stderr).not.toMatch(new RegExp(`${p.name}_calm stop .*killed`));
    const events = p.lastRun();
    const stuck = events[indexOf(events, 'action.succeeded', 'local/stuck/stop')]!;
    expect(stuck.data.warning).toBe('did not stop within 1 s: killed');
    expect(stuck.data.detail).toBe(`stopped ${p.name}_stuck: did not stop within 1 s: killed`);
    expect(events[indexOf(events, 'action.succeeded', 'local/calm/stop')]!.data.warning).toBeUndefined();
    expect(await p.state('stuck')).toBe('STOPPED');
    expect(await p.state('calm')).toBe('STOPPED');
  });

  it('down -t 0 kills at once, without a clean request', async () => {
    // stop_timeout 60 on a container that ignores the clean request: only -t 0 brings this down quickly.
    const p = project('z', container('stuck', 'stuck', '    stop_timeout: 60\n'));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);

    const down = await p.locker('down', '--yes', '-t', '0');
    expect(down.exitCode, show(down)).toBe(0);
    const events = p.lastRun();
    const started = events.find((e) => e.type === 'run.started') as unknown as { data: { plan: { actions: Array<{ id: string; params: unknown }> } } };
    expect(started.data.plan.actions.find((a) => a.id === 'local/stuck/stop')?.params).toEqual({ kind: 'stop', timeoutSeconds: 0 });
    expect(events[indexOf(events, 'action.succeeded', 'local/stuck/stop')]!.data.detail).toBe(`killed ${p.name}_stuck at once (timeout 0 s)`);
    expect(await p.names()).toEqual([]);
  });

  it('restart stops and starts again, the dependency stopping last and starting first', async () => {
    const p = project('r', [container('db', 'prompt'), container('web', 'prompt', '    depends_on: [db]\n')].join(''));
    const up = await p.locker('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);

    const restart = await p.locker('restart', '--yes', '-t', '5');
    expect(restart.exitCode, show(restart)).toBe(0);
    const events = p.lastRun();
    const at = (type: string, id: string) => indexOf(events, type, id);
    expect(at('action.started', 'local/db/stop')).toBeGreaterThan(at('action.succeeded', 'local/web/stop'));
    expect(at('action.started', 'local/web/start')).toBeGreaterThan(at('action.succeeded', 'local/db/start'));
    expect(await p.state('db')).toBe('RUNNING');
    expect(await p.state('web')).toBe('RUNNING');
    const plan = await p.locker('plan');
    expect(plan.exitCode, show(plan)).toBe(0);
    const down = await p.locker('down', '--yes', '-t', '0');
    expect(down.exitCode, show(down)).toBe(0);
  });
});
