// 1. Apply overhead: `locker up` + `locker down` of N busybox containers (one template origin, N-1
// snapshot clones, all started) against a shell script doing the same lxc-* calls, alternated in one run.

import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/lxc/stop.js';
import { onCleanup } from './cleanup.js';
import { activeLeases, newLxcPath, listStates } from './lxc-host.js';
import { describeLockerRuns, profileApply, type LockerRunBreakdown } from './apply-profile.js';
import { lockerArgs, makeWorkdir, project, type Workdir } from './apply-workload.js';
import { type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { mustRun } from './proc.js';
import { median } from './stats.js';
import { ms, ratio, table, verdict } from './table.js';

export type Variant = 'shell-seq' | 'locker-p1' | 'shell-xargs4' | 'locker-p4';
const VARIANTS: Variant[] = ['shell-seq', 'locker-p1', 'shell-xargs4', 'locker-p4'];
const LABEL: Record<Variant, string> = {
  'shell-seq': 'shell script, one call after another',
  'locker-p1': 'locker up/down --parallelism 1',
  'shell-xargs4': 'shell script, xargs -P4 (reference floor)',
  'locker-p4': 'locker up/down --parallelism 4',
};
/** Targets on the ratio to the sequential shell script (whole-process wall time, up + down). */
const TARGET: Partial<Record<Variant, number>> = { 'locker-p1': 1.1, 'locker-p4': 0.75 };

export interface Sample {
  variant: Variant;
  round: number;
  upMs: number;
  downMs: number;
  /** Active DHCP leases on lxcbr0 before the run (the pool has 253). */
  leasesBefore: number;
  /** Containers with a DHCP lease when down started. */
  withLease: number;
  locker?: LockerRunBreakdown;
}

async function expectContainers(lxcpath: string, n: number, what: string): Promise<void> {
  const states = await listStates(lxcpath);
  const running = [...states.values()].filter((s) => s === 'RUNNING').length;
  if (states.size !== n || running !== n) {
    throw new Error(`${what}: expected ${n} running containers in ${lxcpath}, found ${states.size} (${running} running)`);
  }
}

export async function runVariant(variant: Variant, n: number, w: Workdir, round: number): Promise<Sample> {
  const host = newLxcPath(`apply-${variant}`);
  const stateDir = mkdtempSync('/tmp/bench-state-');
  const dropState = onCleanup(`state ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  const env = { ...process.env, LOCKER_STATE_DIR: stateDir };
  const leasesBefore = activeLeases();
  try {
    let up: { ms: number };
    let down: { ms: number };
    let withLease: number;
    if (variant === 'shell-seq' || variant === 'shell-xargs4') {
      const s = w.scripts[variant === 'shell-seq' ? 'seq' : 'xargs'];
      up = await mustRun('sh', [s.up, host.lxcpath], { timeoutMs: 30 * 60_000 });
      withLease = await host.awaitLeases();
      await expectContainers(host.lxcpath, n, `${variant} up`);
      down = await mustRun('sh', [s.down, host.lxcpath], { timeoutMs: 30 * 60_000 });
    } else {
      const p = variant === 'locker-p1' ? 1 : 4;
      up = await mustRun(process.execPath, lockerArgs('up', w, n, host.lxcpath, p), { env, timeoutMs: 30 * 60_000 });
      withLease = await host.awaitLeases();
      await expectContainers(host.lxcpath, n, `${variant} up`);
      down = await mustRun(process.execPath, lockerArgs('down', w, n, host.lxcpath, p), { env, timeoutMs: 30 * 60_000 });
    }
    const left = await listStates(host.lxcpath);
    if (left.size !== 0) throw new Error(`${variant} down left ${left.size} containers in ${host.lxcpath}`);
    const sample: Sample = { variant, round, upMs: up.ms, downMs: down.ms, leasesBefore, withLease };
    const log = path.join(stateDir, project(n), 'events.jsonl');
    if (existsSync(log)) sample.locker = describeLockerRuns(readFileSync(log, 'utf8'), up.ms, down.ms);
    return sample;
  } finally {
    await host.destroy();
    await dropState();
  }
}

interface Summary {
  variant: Variant;
  up: number;
  down: number;
  total: number;
  /** Median over rounds of (this variant's total / the shell script's total in the same round). */
  paired: number;
}

function summarize(samples: Sample[]): Summary[] {
  const of = (v: Variant) => samples.filter((s) => s.variant === v);
  const base = new Map(of('shell-seq').map((s) => [s.round, s.upMs + s.downMs]));
  return VARIANTS.map((variant) => {
    const xs = of(variant);
    const paired = xs.filter((s) => base.has(s.round)).map((s) => (s.upMs + s.downMs) / base.get(s.round)!);
    return {
      variant,
      up: median(xs.map((s) => s.upMs)),
      down: median(xs.map((s) => s.downMs)),
      total: median(xs.map((s) => s.upMs + s.downMs)),
      paired: median(paired),
    };
  });
}

export async function runApplyOverhead(o: PartOptions): Promise<PartResult> {
  const plan: Array<{ n: number; rounds: number }> = o.quick ? [{ n: 10, rounds: 1 }] : [{ n: 20, rounds: 5 }, { n: 50, rounds: 3 }];
  const sections: string[] = [];
  const targets: TargetVerdict[] = [];
  const allSamples = new Map<number, Sample[]>();
  for (const { n, rounds } of plan) {
    const w = makeWorkdir(n);
    const samples: Sample[] = [];
    for (let round = 1; round <= rounds; round++) {
      // Alternate: each round starts with another variant, so drift in the machine's speed hits all alike.
      const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]!);
      for (const variant of order) {
        const s = await runVariant(variant, n, w, round);
        o.log(
          `[apply] N=${n} round ${round}/${rounds} ${variant}: up ${ms(s.upMs)}, down ${ms(s.downMs)}, ` +
            `total ${ms(s.upMs + s.downMs)} (DHCP leases in use before: ${s.leasesBefore}; ${s.withLease}/${n} with a lease at down)`,
        );
        samples.push(s);
      }
    }
    allSamples.set(n, samples);
    const summary = summarize(samples);
    const base = summary.find((s) => s.variant === 'shell-seq')!;
    const rows = summary.map((s) => {
      const target = TARGET[s.variant];
      const r = s.total / base.total;
      const met = target === undefined ? undefined : r <= target;
      if (target !== undefined) {
        targets.push({ part: 'apply', what: `N=${n} ${s.variant} / shell script`, value: ratio(r), target: `≤ ${target}×`, met: met! });
      }
      return [
        LABEL[s.variant],
        ms(s.up),
        ms(s.down),
        ms(s.total),
        ratio(s.up / base.up),
        ratio(s.down / base.down),
        ratio(r),
        ratio(s.paired),
        target === undefined ? (s.variant === 'shell-seq' ? 'baseline' : 'reference') : `≤ ${target.toFixed(2)}×`,
        verdict(met),
      ];
    });
    sections.push(
      `#### N = ${n} (${rounds} round${rounds === 1 ? '' : 's'}, medians)\n\n` +
        table(['variant', 'up', 'down', 'up + down', 'up ratio', 'down ratio', 'total ratio', 'paired ratio', 'target', 'verdict'], rows),
    );
    sections.push(lockerBreakdownTable(n, samples));
    const leases = samples.map((s) => s.leasesBefore);
    const short = samples.filter((s) => s.withLease < n).length;
    sections.push(
      `Between up and down the bench waits, untimed, until every container has its DHCP lease (as a user's ` +
        `containers would have by the time they are taken down): ${short === 0 ? 'all did in every run' : `${short} run(s) had containers without one after 30 s`}. ` +
        `DHCP leases in use on lxcbr0 before each run: ${Math.min(...leases)}–${Math.max(...leases)} of 253 ` +
        `(the bench releases the leases its containers took: with a full pool, busybox's rcS waits for udhcpc ` +
        `forever and every clean stop runs into its 10 s timeout).`,
    );
  }
  const missed = targets.some((t) => !t.met);
  if (missed || o.profile) {
    const n = o.quick ? 10 : 20;
    o.log(`[apply] profiling N=${n} (programs started, per-call costs, node --cpu-prof)`);
    sections.push(await profileApply(n, o.log));
  }
  const note =
    `Whole-process wall time of \`node bin/locker up --yes …\` then \`down --yes\` (CLI start-up included), each variant ` +
    `in its own fresh lxcpath, variants alternated within every round. Stops are clean stops with the timeout Locker uses ` +
    `(\`lxc-stop -t ${DEFAULT_STOP_TIMEOUT_S}\`, src/lxc/stop.ts) on both sides. "total ratio" is the ratio of medians; ` +
    `"paired ratio" the median of per-round ratios.`;
  return { title: '1. Apply overhead', markdown: [note, ...sections].join('\n\n'), targets };
}

function lockerBreakdownTable(n: number, samples: Sample[]): string {
  const rows: string[][] = [];
  for (const variant of ['locker-p1', 'locker-p4'] as const) {
    const xs = samples.filter((s) => s.variant === variant && s.locker).map((s) => s.locker!);
    if (xs.length === 0) continue;
    for (const cmd of ['up', 'down'] as const) {
      const m = (f: (b: LockerRunBreakdown) => number) => ms(median(xs.map(f)));
      rows.push([
        `${variant} ${cmd}`,
        m((b) => b[cmd].wallMs),
        m((b) => b[cmd].wallMs - b[cmd].runMs),
        m((b) => b[cmd].runMs),
        m((b) => b[cmd].actionMs),
        String(xs[0]![cmd].actions),
        Object.entries(xs[0]![cmd].byKind)
          .map(([k, v]) => `${k} ${v.count}× ${ms(median(xs.map((b) => b[cmd].byKind[k]?.ms ?? 0)) / v.count)}`)
          .join(', '),
      ]);
    }
  }
  return (
    `Locker's own account of N = ${n} (from its event log, medians): wall = whole process; "before the run" = start-up, ` +
    `spec, observe, plan, lock, re-observe (stale check); "run" = run.started → run.finished; "in actions" = sum of action durations.\n\n` +
    table(['command', 'wall', 'before the run', 'run', 'in actions (sum)', 'actions', 'per kind: count × mean'], rows)
  );
}
