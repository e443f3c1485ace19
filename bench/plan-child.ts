// One planner measurement in a fresh process (run with --expose-gc): builds the inputs, then times
// planChanges and serializePlan once, cold, as the CLI runs them, and reports time and memory as JSON.

import { planChanges, serializePlan } from '../plans/index.js';
import { desiredState, observedHost, type PlanScenario } from './plan-workload.js';
import { nowMs } from './stats.js';

const n = Number(process.argv[2]);
const scenario = process.argv[3] as PlanScenario;
const gc = (globalThis as { gc?: () => void }).gc;

const t0 = nowMs();
const desired = desiredState(n);
const observed = new Map([['local', observedHost(n, scenario)]]);
const buildMs = nowMs() - t0;
gc?.();
const rssInputs = process.memoryUsage().rss;
const t1 = nowMs();
const plan = planChanges({ desired, observed, mode: scenario === 'down' ? 'down' : 'up' });
const planMs = nowMs() - t1;
const rssAfterPlan = process.memoryUsage().rss;
const t2 = nowMs();
const text = serializePlan(plan);
const serializeMs = nowMs() - t2;
const kinds: Record<string, number> = {};
for (const a of plan.actions) kinds[a.kind] = (kinds[a.kind] ?? 0) + 1;
process.stdout.write(
  `${JSON.stringify({
    n,
    scenario,
    actions: plan.actions.length,
    kinds,
    buildMs,
    planMs,
    serializeMs,
    planBytes: text.length,
    rssInputs,
    rssAfterPlan,
    maxRss: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
