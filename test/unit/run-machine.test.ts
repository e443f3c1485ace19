import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, SimulatedClock, toPromise } from 'xstate';
import { containerMachine, runMachine, type ActionRun, type RunEmitted, type RunInput } from '../../machines/index.js';
import { RETRY_POLICIES, retryDelayMs } from '../../machines/retry-policy.js';
import type { PlannedAction } from '../../plans/types.js';
import type { JobResult } from '../../src/transport/types.js';
import { makeAction } from '../helpers/actions.js';

function act(container: string, kind: PlannedAction['kind'], dependsOn: string[] = []): PlannedAction {
  return makeAction({ kind: 'start' }, { container, kind, dependsOn });
}

/** Runs a plan with a scripted job runner; records the order things happened in. */
async function runScripted(
  actions: PlannedAction[],
  script: (req: ActionRun) => JobResult | Promise<JobResult>,
  parallelism = 4,
  extra: Partial<RunInput> = {},
) {
  // Retry delays run on a simulated clock: each announced delay is skipped at once, nothing sleeps.
  const clock = new SimulatedClock();
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const machine = runMachine.provide({
    actors: {
      container: containerMachine.provide({
        actors: {
          runAction: fromPromise<JobResult, ActionRun>(async ({ input }) => {
            inFlight += 1;
            maxInFlight = Math.max(maxInFlight, inFlight);
            log.push(`start ${input.action.id}`);
            await new Promise((r) => setTimeout(r, 5));
            const result = await script(input);
            log.push(`end ${input.action.id}`);
            inFlight -= 1;
            return result;
          }),
        },
      }),
    },
  });
  const emitted: RunEmitted[] = [];
  const actor = createActor(machine, { input: { actions, parallelism, random: () => 0, ...extra }, clock });
  for (const t of ['step.dispatched', 'step.started', 'step.settled', 'step.skipped'] as const) actor.on(t, (e) => emitted.push(e));
  actor.on('step.retrying', (e) => {
    emitted.push(e);
    setTimeout(() => clock.increment(e.delayMs), 0);
  });
  actor.start();
  const output = await toPromise(actor);
  return { output, log, emitted, maxInFlight };
}

const ok: JobResult = { ok: true, outcome: 'done' };
const fail: JobResult = { ok: false, error: { name: 'LockerError', code: 'LXC_COMMAND_FAILED', message: 'boom', retryable: false } };

describe('run machine', () => {
  it('honours dependencies across containers', async () => {
    const actions = [
      act('db', 'create'),
      act('db', 'start', ['local/db/create']),
      act('web', 'clone', ['local/db/create']),
      act('web', 'start', ['local/web/clone', 'local/db/start']),
    ];
    const { output, log } = await runScripted(actions, () => ok);
    expect(output.outcome).toBe('succeeded');
    const at = (s: string) => log.indexOf(s);
    expect(at('start local/web/clone')).toBeGreaterThan(at('end local/db/create'));
    expect(at('start local/web/start')).toBeGreaterThan(at('end local/db/start'));
    expect(at('start local/web/start')).toBeGreaterThan(at('end local/web/clone'));
  });

  it('runs one action per container at a time and respects the parallelism bound', async () => {
    const actions = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((c) => [act(c, 'create'), act(c, 'start')]);
    const one = await runScripted(actions, () => ok, 1);
    expect(one.maxInFlight).toBe(1);
    const three = await runScripted(actions, () => ok, 3);
    expect(three.maxInFlight).toBe(3);
    // Two actions of one container never overlap.
    for (const c of ['a', 'b']) {
      const log = three.log;
      expect(log.indexOf(`start local/${c}/start`)).toBeGreaterThan(log.indexOf(`end local/${c}/create`));
    }
  });

  it('a failure skips its dependents and lets independent work finish', async () => {
    const actions = [
      act('db', 'create'),
      act('db', 'start', ['local/db/create']),
      act('web', 'clone', ['local/db/create']),
      act('cache', 'create'),
      act('cache', 'start', ['local/cache/create']),
    ];
    const { output, emitted } = await runScripted(actions, (r) => (r.action.id === 'local/db/create' ? fail : ok));
    expect(output.outcome).toBe('failed');
    expect(output.status).toEqual({
      'local/db/create': 'failed',
      'local/db/start': 'skipped',
      'local/web/clone': 'skipped',
      'local/cache/create': 'succeeded',
      'local/cache/start': 'succeeded',
    });
    const skipped = emitted.filter((e) => e.type === 'step.skipped');
    expect(skipped.map((e) => [e.action.id, e.type === 'step.skipped' && e.because])).toEqual([
      ['local/db/start', 'local/db/create'],
      ['local/web/clone', 'local/db/create'],
    ]);
  });

  it('a runner that throws fails only its action', async () => {
    const actions = [act('a', 'create'), act('b', 'create')];
    const { output } = await runScripted(actions, (r) => {
      if (r.action.container === 'a') throw new Error('driver crashed');
      return ok;
    });
    expect(output.status).toEqual({ 'local/a/create': 'failed', 'local/b/create': 'succeeded' });
  });

  it('an action waiting on a dependency outside the run is skipped, not hung', async () => {
    const { output } = await runScripted([act('a', 'start', ['local/elsewhere/create'])], () => ok);
    expect(output.status).toEqual({ 'local/a/start': 'skipped' });
    expect(output.outcome).toBe('failed');
  });

  it('emits dispatched before settled for every action, each once', async () => {
    const actions = [act('a', 'create'), act('a', 'start', ['local/a/create'])];
    const { emitted } = await runScripted(actions, () => ok);
    expect(emitted.map((e) => `${e.type} ${e.action.id}`)).toEqual([
      'step.dispatched local/a/create',
      'step.settled local/a/create',
      'step.dispatched local/a/start',
      'step.settled local/a/start',
    ]);
  });

  it('emits started when the runner reports that its host took the job, between dispatched and settled', async () => {
    const actions = [act('a', 'create'), act('b', 'create')];
    const { emitted } = await runScripted(actions, (r) => {
      if (r.action.container === 'a') r.started();
      return ok;
    });
    const of = (id: string) => emitted.filter((e) => e.action.id === id).map((e) => `${e.type} ${e.attempt}`);
    expect(of('local/a/create')).toEqual(['step.dispatched 1', 'step.started 1', 'step.settled 1']);
    // No report, no started event: a step whose host never took it shows as dispatched only.
    expect(of('local/b/create')).toEqual(['step.dispatched 1', 'step.settled 1']);
  });

  it('a started report that comes after its try settled is not passed off as the next try', async () => {
    let tries = 0;
    let first: ActionRun | undefined;
    const busy: JobResult = { ok: false, error: { name: 'LockerError', code: 'NET_COMMAND_FAILED', message: 'busy', retryable: true } };
    const { emitted } = await runScripted([act('web', 'forward-ports')], async (r) => {
      tries += 1;
      if (tries === 1) {
        first = r;
        return busy;
      }
      first!.started(); // attempt 1's report, late: attempt 2 is running now
      return ok;
    });
    expect(emitted.map((e) => `${e.type} ${e.attempt}`)).toEqual(['step.dispatched 1', 'step.retrying 1', 'step.dispatched 2', 'step.settled 2']);
  });

  it('retries a retryable failure with backoff and a new attempt number, then succeeds', async () => {
    const busy: JobResult = { ok: false, error: { name: 'LockerError', code: 'NET_COMMAND_FAILED', message: 'xtables lock busy', retryable: true } };
    let tries = 0;
    const { output, emitted } = await runScripted([act('web', 'forward-ports')], () => (++tries < 3 ? busy : ok));
    expect(output.status).toEqual({ 'local/web/forward-ports': 'succeeded' });
    const policy = RETRY_POLICIES['forward-ports'];
    expect(emitted.map((e) => `${e.type} ${e.attempt}${e.type === 'step.retrying' ? ` in ${e.delayMs} of ${e.maxAttempts}` : ''}`)).toEqual([
      'step.dispatched 1',
      `step.retrying 1 in ${retryDelayMs(policy, 1, 0)} of ${policy.attempts}`,
      'step.dispatched 2',
      `step.retrying 2 in ${retryDelayMs(policy, 2, 0)} of ${policy.attempts}`,
      'step.dispatched 3',
      'step.settled 3',
    ]);
    expect(retryDelayMs(policy, 2, 0)).toBe(2 * retryDelayMs(policy, 1, 0));
  });

  it('gives up after the policy\'s attempts, and never retries a non-retryable error', async () => {
    const busy: JobResult = { ok: false, error: { name: 'LockerError', code: 'LXC_COMMAND_FAILED', message: 'start failed', retryable: true } };
    let tries = 0;
    const { output } = await runScripted([act('web', 'start')], () => {
      tries += 1;
      return busy;
    });
    expect(output.status).toEqual({ 'local/web/start': 'failed' });
    expect(tries).toBe(RETRY_POLICIES.start.attempts);

    let templateTries = 0;
    await runScripted([act('web', 'create')], () => {
      templateTries += 1;
      return fail;
    });
    expect(templateTries).toBe(1);
  });

  it('backoff is capped and jittered within [half, whole] of the exponential delay', () => {
    const policy = { attempts: 10, baseMs: 100, capMs: 1_000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(policy, n, 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(policy, n, 0))).toEqual([50, 100, 200, 400, 500, 500]);
  });

  it('stops take no parallelism slot: at parallelism 1 every stop that may run starts before the first ends', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const { log, output } = await runScripted(names.map((c) => act(c, 'stop')), () => ok, 1);
    expect(output.outcome).toBe('succeeded');
    const firstEnd = log.findIndex((l) => l.startsWith('end '));
    expect(log.slice(0, firstEnd).sort()).toEqual(names.map((c) => `start local/${c}/stop`));
  });

  it('stops neither hold back slot work nor free slots for it: creates stay one at a time at parallelism 1', async () => {
    const actions = [...['a', 'b', 'c'].map((c) => act(c, 'stop')), act('x', 'create'), act('y', 'create'), act('z', 'create')];
    const { log } = await runScripted(actions, () => ok, 1);
    const firstEnd = log.findIndex((l) => l.startsWith('end '));
    // The three stops and one create went out together.
    expect(log.slice(0, firstEnd).sort()).toEqual(['start local/a/stop', 'start local/b/stop', 'start local/c/stop', 'start local/x/create']);
    let creating = 0;
    for (const line of log.filter((l) => l.endsWith('/create'))) {
      creating += line.startsWith('start ') ? 1 : -1;
      expect(creating).toBeLessThanOrEqual(1);
    }
  });

  it('reverse depends_on order holds among concurrent stops; destroys stay bounded', async () => {
    const actions = [
      act('web', 'stop'),
      act('web', 'destroy', ['local/web/stop']),
      act('db', 'stop', ['local/web/stop']),
      act('db', 'destroy', ['local/db/stop']),
      act('cache', 'stop'),
      act('cache', 'destroy', ['local/cache/stop']),
    ];
    const { log } = await runScripted(actions, () => ok, 1);
    const at = (s: string) => log.indexOf(s);
    expect(at('start local/db/stop')).toBeGreaterThan(at('end local/web/stop'));
    expect(at('start local/cache/stop')).toBeLessThan(at('end local/web/stop'));
    let destroying = 0;
    for (const line of log.filter((l) => l.endsWith('/destroy'))) {
      destroying += line.startsWith('start ') ? 1 : -1;
      expect(destroying).toBeLessThanOrEqual(1);
    }
  });

  it('a continued run keeps what succeeded and runs the rest with the attempts it is given', async () => {
    const actions = [act('db', 'create'), act('db', 'start', ['local/db/create']), act('web', 'create')];
    const seen: string[] = [];
    const { output } = await runScripted(
      actions,
      (r) => {
        seen.push(`${r.action.id}#${r.attempt}`);
        return ok;
      },
      4,
      { initialStatus: { 'local/db/create': 'succeeded' }, attempts: { 'local/db/start': 2, 'local/web/create': 1 } },
    );
    expect(output.outcome).toBe('succeeded');
    expect(seen.sort()).toEqual(['local/db/start#2', 'local/web/create#1']);
  });
});

