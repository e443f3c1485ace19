// 2. Plan cost: planChanges on synthetic specs of 1k, 10k and 50k containers against a host of the same
// size, each in a fresh process (time and RSS of that process alone), with the growth exponent.

import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.js';
import { profilesIn, summarizeProfile } from './cpu-profile.js';
import { benchFile, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import type { PlanScenario } from './plan-workload.js';
import { timedRun } from './proc.js';
import { growthExponent } from './stats.js';
import { mb, ms, num, table, verdict } from './table.js';

interface ChildResult {
  n: number;
  scenario: PlanScenario;
  actions: number;
  buildMs: number;
  planMs: number;
  serializeMs: number;
  planBytes: number;
  rssInputs: number;
  rssAfterPlan: number;
  maxRss: number;
  timedOut?: boolean;
}

const SCENARIOS: Array<{ scenario: PlanScenario; label: string }> = [
  { scenario: 'converged', label: '`up`, host converged (nothing to do)' },
  { scenario: 'half', label: '`up`, half the containers missing' },
  { scenario: 'down', label: '`down` of everything' },
];
const TIME_LIMIT_MS = 1000;
const RSS_LIMIT = 300 * 1024 * 1024;
/** RSS of an idle Node 20 process here, left out of the memory growth exponent. */
const NODE_BASE_RSS = 45 * 1024 * 1024;

async function measure(n: number, scenario: PlanScenario, timeoutMs: number, extra: string[] = []): Promise<ChildResult> {
  const r = await timedRun(process.execPath, ['--expose-gc', ...extra, benchFile('plan-child'), String(n), scenario], { timeoutMs });
  if (r.code !== 0) {
    if (r.code === null) return { n, scenario, timedOut: true, planMs: timeoutMs } as ChildResult;
    throw new Error(`plan child ${n} ${scenario} failed: ${r.stderr.slice(-2000)}`);
  }
  return JSON.parse(r.stdout) as ChildResult;
}

export async function runPlanCost(o: PartOptions): Promise<PartResult> {
  const sizes = o.quick ? [1000, 5000] : [1000, 10_000, 50_000];
  const timeoutMs = o.quick ? 120_000 : 900_000;
  const results: ChildResult[] = [];
  for (const { scenario } of SCENARIOS) {
    for (const n of sizes) {
      const r = await measure(n, scenario, timeoutMs);
      o.log(`[plan] ${scenario} n=${n}: ${r.timedOut ? 'timed out' : `${ms(r.planMs)}, ${r.actions} actions, max RSS ${mb(r.maxRss)}`}`);
      results.push(r);
    }
  }
  const targets: TargetVerdict[] = [];
  const rows = results.map((r) => {
    const at10k = r.n === 10_000;
    const okTime = r.planMs < TIME_LIMIT_MS;
    const okRss = !r.timedOut && r.maxRss < RSS_LIMIT;
    if (at10k) {
      targets.push({ part: 'plan', what: `10k ${r.scenario}: planChanges time`, value: ms(r.planMs), target: '< 1 s', met: okTime });
      targets.push({ part: 'plan', what: `10k ${r.scenario}: peak RSS`, value: mb(r.maxRss), target: '< 300 MB', met: okRss });
    }
    return [
      r.scenario,
      num(r.n),
      r.timedOut ? 'n/a' : num(r.actions),
      r.timedOut ? `> ${ms(r.planMs)}` : ms(r.planMs),
      r.timedOut ? 'n/a' : ms(r.serializeMs),
      r.timedOut ? 'n/a' : mb(r.rssInputs),
      r.timedOut ? 'n/a' : mb(r.maxRss),
      at10k ? `${verdict(okTime)} / ${verdict(okRss)}` : '',
    ];
  });
  const expRows = SCENARIOS.map(({ scenario, label }) => {
    const xs = results.filter((r) => r.scenario === scenario && !r.timedOut);
    const k = growthExponent(
      xs.map((r) => r.n),
      xs.map((r) => r.planMs),
    );
    const kMem = growthExponent(
      xs.map((r) => r.n),
      xs.map((r) => r.maxRss - NODE_BASE_RSS),
    );
    targets.push({ part: 'plan', what: `growth exponent, ${scenario}`, value: k.toFixed(2), target: 'near 1 (≤ 1.2)', met: k <= 1.2 });
    return [label, k.toFixed(2), kMem.toFixed(2), xs.map((r) => `${num(r.n)}: ${ms(r.planMs)}`).join(', ')];
  });
  const sections = [
    `Synthetic project (bench/plan-workload.ts): every 10th container a busybox template base, a third of the others ` +
      `snapshot clones of their base, volumes on every 5th, a port on every 10th, an fqdn on every 7th, depends_on on ` +
      `every 20th; the host reports each container RUNNING with its Locker block and forwards. One fresh ` +
      `\`node --expose-gc\` process per row: the inputs are built, then planChanges runs once, cold, as in the CLI. ` +
      `Peak RSS is the process's maxRSS (Node itself ≈ 45 MB, the inputs included).`,
    table(['scenario', 'containers', 'actions', 'planChanges', 'serializePlan', 'RSS with inputs', 'peak RSS', '10k: time / RSS'], rows),
    `Growth exponent k (least squares of log time on log size, time ∝ n^k; memory: peak RSS minus 45 MB):\n\n` +
      table(['scenario', 'k (time)', 'k (memory)', 'times'], expRows),
  ];
  const missed = targets.some((t) => !t.met);
  if (missed || o.profile) sections.push(await profilePlan(o));
  return { title: '2. Plan cost', markdown: sections.join('\n\n'), targets };
}

async function profilePlan(o: PartOptions): Promise<string> {
  const n = o.quick ? 5000 : 10_000;
  const dir = mkdtempSync('/tmp/bench-planprof-');
  const drop = onCleanup(`plan profile ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const parts: string[] = [];
  try {
    for (const { scenario } of SCENARIOS) {
      const sub = path.join(dir, scenario);
      await measure(n, scenario, 600_000, ['--cpu-prof', `--cpu-prof-dir=${sub}`]);
      const file = profilesIn(sub)[0];
      if (!file) continue;
      const p = summarizeProfile(file, 6);
      parts.push(
        `\`${scenario}\`, n = ${num(n)} (${ms(p.busyMs)} on the CPU, start-up and input building included):\n\n` +
          table(['function (self time)', 'ms'], p.topFunctions.map(([k, v]) => [k, ms(v)])),
      );
    }
  } finally {
    await drop();
  }
  return `#### Profile (node --cpu-prof of the child process)\n\n${parts.join('\n\n')}`;
}
