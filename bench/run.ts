// `npm run bench [-- PART...] [--quick] [--profile] [--out FILE]`: Locker against a shell loop of lxc-*
// commands, and the costs of its own parts. Prints markdown tables of ratios and verdicts against the
// targets of issue 6. Parts: startup, apply, plan, observe, events, dispatch, leases, down (default: all, in that order).

import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runAllCleanups } from './cleanup.js';
import { load1, machineInfo, renderMachine, waitForQuiet, type LoadRecord } from './env.js';
import type { PartOptions, PartResult } from './part.js';
import { table, verdict } from './table.js';

const PARTS = {
  startup: async (o: PartOptions) => (await import('./startup.js')).runStartup(o),
  apply: async (o: PartOptions) => (await import('./apply-overhead.js')).runApplyOverhead(o),
  plan: async (o: PartOptions) => (await import('./plan-cost.js')).runPlanCost(o),
  observe: async (o: PartOptions) => (await import('./observe-cost.js')).runObserveCost(o),
  events: async (o: PartOptions) => (await import('./event-log.js')).runEventLog(o),
  dispatch: async (o: PartOptions) => (await import('./dispatch.js')).runDispatch(o),
  leases: async (o: PartOptions) => (await import('./leases.js')).runLeases(o),
  down: async (o: PartOptions) => (await import('./down.js')).runDownCost(o),
} as const;
type PartName = keyof typeof PARTS;

/** Above this 1-minute load, a part waits (a while) before measuring, and the report says so. */
const QUIET_LOAD = 1.5;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
      'max-wait': { type: 'string', default: '600' },
    },
  });
  const unknown = positionals.filter((p) => !(p in PARTS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown part(s): ${unknown.join(', ')}; parts: ${Object.keys(PARTS).join(', ')}\n`);
    return 2;
  }
  const parts = (positionals.length > 0 ? positionals : Object.keys(PARTS)) as PartName[];
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const options: PartOptions = { quick: values.quick!, profile: values.profile!, log };
  const command = ['node dist/bench/run.js', ...process.argv.slice(2)].join(' ');
  const machine = machineInfo();
  const results: PartResult[] = [];
  const loads: LoadRecord[] = [];
  let failed = false;
  try {
    for (const part of parts) {
      const load = await waitForQuiet(part, QUIET_LOAD, Number(values['max-wait']), log);
      log(`[${part}] starting (load ${load.before.toFixed(2)})`);
      try {
        results.push(await PARTS[part](options));
      } catch (e) {
        failed = true;
        log(`[${part}] FAILED: ${(e as Error).stack ?? e}`);
        results.push({ title: part, markdown: `**failed**: ${(e as Error).message}`, targets: [] });
      }
      loads.push({ ...load, after: load1() });
    }
  } finally {
    await runAllCleanups(log);
  }
  const targets = results.flatMap((r) => r.targets);
  const loadNote = loads
    .map((l) => `${l.part}: ${l.before.toFixed(2)} → ${l.after?.toFixed(2)}${l.waitedS > 0 ? ` (waited ${l.waitedS} s)` : ''}`)
    .join('; ');
  // The load after a part includes the part's own work (dispatch saturates both cores): only the load
  // before a part says whether someone else was busy.
  const busy = loads.some((l) => l.before > QUIET_LOAD);
  const report = [
    `## Locker benchmarks${options.quick ? ' (--quick)' : ''}`,
    renderMachine(machine, command),
    `- 1-minute load before → after each part (the after value includes the part's own work): ${loadNote}` +
      (busy ? ` — **some parts started under load** (> ${QUIET_LOAD})` : ` — every part started with load ≤ ${QUIET_LOAD}`),
    `### Targets\n\n${table(
      ['part', 'what', 'value', 'target', 'verdict'],
      targets.map((t) => [t.part, t.what, t.value, t.target, verdict(t.met)]),
    )}`,
    ...results.map((r) => `### ${r.title}\n\n${r.markdown}`),
  ].join('\n\n');
  process.stdout.write(`${report}\n`);
  if (values.out) writeFileSync(values.out, `${report}\n`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
