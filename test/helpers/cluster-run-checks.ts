// What every NATS fault test proves at its end, and how it waits for a run to be part-way: one piece
// of code for the agent, control-point and nats-server faults.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { journalEntries, journaledTwice } from './agent-journal.js';
import type { BackgroundLocker } from './background-locker.js';
import { planSize, succeededIds } from './event-views.js';
import type { FaultTally } from './fault-tally.js';
import { faultSpecHosts, type FaultSpecOptions } from './fault-spec.js';
import { checkHosts } from './host-integrity.js';
import type { NatsCluster } from './nats-cluster.js';
import { runIntegrity } from './run-integrity.js';
import { until } from './wait-until.js';

/** The events once `count` actions succeeded (or the run ended first: the caller asserts it did not). */
export function untilSucceeded(
  events: () => Promise<LockerEvent[]>,
  run: BackgroundLocker,
  count: number,
  logs: () => string = () => '',
): Promise<LockerEvent[]> {
  let seen = 0;
  return until(
    `${count} actions to succeed`,
    async () => {
      const ev = await events();
      seen = succeededIds(ev).size;
      return seen >= count || !run.running() ? ev : undefined;
    },
    60_000,
    50,
  ).catch((e: unknown) => {
    // What the run and the agents said, so a stall in CI can be read from the log.
    throw new Error(`${(e as Error).message} (${seen} succeeded)\n--- the run\n${run.output()}\n${logs()}`, { cause: e });
  });
}

/**
 * The run ended succeeded with every action succeeded exactly once in the log; on the hosts (web on
 * alpha, db on beta) each container, mount line and port rule exists once; each agent's journal holds
 * one entry per action.
 */
export async function expectCleanClusterRun(
  c: NatsCluster,
  project: string,
  o: FaultSpecOptions,
  runId: string,
  all: LockerEvent[],
  tally: FaultTally,
  context = '',
): Promise<void> {
  const runs = runIntegrity(all);
  const host = await checkHosts(
    project,
    faultSpecHosts(o, [
      { host: 'alpha', lxcpath: c.envs.alpha!.lxcpath, side: 'web' },
      { host: 'beta', lxcpath: c.envs.beta!.lxcpath, side: 'db' },
    ]),
  );
  tally.checked(runs, host);
  expect(runs, context).toEqual([{ runId, status: 'succeeded', actions: planSize(all), lost: [], duplicated: [] }]);
  expect(host.problems).toEqual([]);
  const journaled = ['alpha', 'beta'].flatMap((h) => journalEntries(c.envs[h]!.lxcpath)).filter((e) => e.runId === runId);
  expect(journaledTwice(journaled, runId)).toEqual([]);
  expect(journaled.length).toBe(planSize(all));
  expect(existsSync(path.join(o.data, 'db', 'rcS'))).toBe(true);
}
