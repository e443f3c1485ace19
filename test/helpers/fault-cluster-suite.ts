// The set-up every NATS fault file shares: a nats-server (or a cluster of them) with generated users, agents alpha and beta,
// a work folder, a project name and a tally; all torn down after the file, even after a failure.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { removeRulesTagged, ruleTag } from '../../src/net/index.js';
import { killStartedLockers } from './background-locker.js';
import { cleanUp } from './clean-up.js';
import { createFaultTally, type FaultTally } from './fault-tally.js';
import { requireTools } from './lxc-env.js';
import { startNatsCluster, type NatsCluster, type NatsClusterOptions } from './nats-cluster.js';

export interface FaultClusterSuite {
  tally: FaultTally;
  /** First of two free-looking host ports (random, so runs do not collide). */
  base: number;
  /** Valid inside tests (after beforeAll). */
  current(): { cluster: NatsCluster; work: string; project: string };
}

/** Registers the file's beforeAll/afterAll; `suffix` keeps this file's project apart from the others'. */
export function useFaultCluster(name: string, suffix: string, options: NatsClusterOptions = {}): FaultClusterSuite {
  const tally = createFaultTally(name);
  let cluster: NatsCluster | undefined;
  let work = '';
  let project = '';

  beforeAll(async () => {
    await requireTools();
    work = mkdtempSync(path.join(tmpdir(), `locker-${name}-`));
    cluster = await startNatsCluster(['alpha', 'beta'], work, options);
    project = `${cluster.envs.alpha!.prefix}${suffix}`;
  });

  afterAll(async () => {
    await cleanUp([
      () => killStartedLockers(),
      async () => cluster?.stop(),
      async () => project && removeRulesTagged(ruleTag(project)),
      async () => work && rmSync(work, { recursive: true, force: true }),
      () => tally.report(),
    ]);
  });

  return {
    tally,
    base: 20000 + Math.floor(Math.random() * 20000),
    current: () => ({ cluster: cluster!, work, project }),
  };
}
