// 1. Apply overhead: `locker up` and `locker down` of N busybox containers (one template origin, N-1
// snapshot clones, all started), each measured on its own against shell scripts doing the same work,
// alternated in one run. `locker plan` of an empty project, start-up included, is the startup part (startup.ts).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/lxc/stop.js';
import { onCleanup } from './cleanup.js';
import { createDhcpBridge, type BenchDhcpBridge } from './dhcp-bridge.js';
import { load1 } from './env.js';
import { newLxcPath, listStates } from './lxc-host.js';
import { describeLockerRuns, profileApply, type LockerRunBreakdown } from './apply-profile.js';
import { lockerArgs, makeWorkdir, project, writeShellRun, type Workdir } from './apply-workload.js';
import { LOCKER_BIN, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { mustRun } from './proc.js';
import { median } from './stats.js';
import { ms, ratio, table, verdict } from './table.js';

export type Variant = 'shell-seq' | 'locker-p1' | 'shell-xargs4' | 'locker-default';
const VARIANTS: Variant[] = ['shell-seq', 'locker-p1', 'shell-xargs4', 'locker-default'];
const LABEL: Record<Variant, string> = {
  'shell-seq': 'shell script, one call after another',
  'locker-p1': 'locker --parallelism 1',
  'shell-xargs4': 'shell script, xargs -P4',
  'locker-default': 'locker (default parallelism, 4)',
};
/** Issue 11's targets on `up`, as the ratio to the sequential shell script (whole-process wall time). */
const UP_TARGETS: Record<number, Partial<Record<Variant, number>>> = {
  20: { 'locker-p1': 1.3, 'locker-default': 0.9 },
  50: { 'locker-p1': 1.1, 'locker-default': 0.9 },
};

export interface Sample {
  variant: Variant;
  round: number;
  upMs: number;
  downMs: number;
  /** Active DHCP leases on the bench's bridge before the run (the pool has 253). */
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

export async function runVariant(variant: Variant, w: Workdir, round: number): Promise<Sample> {
  const n = w.n;
  const host = newLxcPath(`apply-${variant}`);
  const stateDir = mkdtempSync('/tmp/bench-state-');
  const dropState = onCleanup(`state ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  const env = { ...process.env, LOCKER_STATE_DIR: stateDir };
  const now = Date.now() / 1000;
  const leasesBefore = w.bridge.leases().filter((l) => l.expires === 0 || l.expires > now).length;
  const timeoutMs = 30 * 60_000;
  try {
    let up: { ms: number };
    let down: { ms: number };
    let withLease: number;
    if (variant === 'shell-seq' || variant === 'shell-xargs4') {
      const s = await writeShellRun(w, variant === 'shell-xargs4');
      up = await mustRun('sh', [s.up, host.lxcpath], { timeoutMs });
      withLease = await host.awaitLeases();
      await expectContainers(host.lxcpath, n, `${variant} up`);
      down = await mustRun('sh', [s.down, host.lxcpath], { timeoutMs });
    } else {
      const p = variant === 'locker-p1' ? 1 : undefined;
      up = await mustRun(process.execPath, lockerArgs('up', w, host.lxcpath, p), { env, timeoutMs });
      withLease = await host.awaitLeases();
      await expectContainers(host.lxcpath, n, `${variant} up`);
      down = await mustRun(process.execPath, lockerArgs('down', w, host.lxcpath, p), { env, timeoutMs });
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
  /** Medians over rounds of (this variant / the sequential shell script in the same round). */
  pairedUp: number;
  pairedDown: number;
}

function summarize(samples: Sample[]): Summary[] {
  const of = (v: Variant) => samples.filter((s) => s.variant === v);
  const base = new Map(of('shell-seq').map((s) => [s.round, s]));
  const paired = (xs: Sample[], f: (s: Sample) => number) => median(xs.filter((s) => base.has(s.round)).map((s) => f(s) / f(base.get(s.round)!)));
  return VARIANTS.map((variant) => {
    const xs = of(variant);
    return {
      variant,
      up: median(xs.map((s) => s.upMs)),
      down: median(xs.map((s) => s.downMs)),
      pairedUp: paired(xs, (s) => s.upMs),
      pairedDown: paired(xs, (s) => s.downMs),
    };
  });
}

async function measureSize(
  bridge: BenchDhcpBridge,
  { n, rounds, targetsOf }: { n: number; rounds: number; targetsOf: number },
  o: PartOptions,
  targets: TargetVerdict[],
): Promise<string[]> {
  const w = makeWorkdir(n, bridge);
  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate: each round starts with another variant, so drift in the machine's speed hits all alike.
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]!);
    for (const variant of order) {
      const s = await runVariant(variant, w, round);
      o.log(
        `[apply] N=${n} round ${round}/${rounds} ${variant}: up ${ms(s.upMs)}, down ${ms(s.downMs)} ` +
          `(load ${load1().toFixed(2)}; DHCP leases in use before: ${s.leasesBefore}; ${s.withLease}/${n} with a lease at down)`,
      );
      samples.push(s);
    }
  }
  const summary = summarize(samples);
  const base = summary.find((s) => s.variant === 'shell-seq')!;
  const xargs = summary.find((s) => s.variant === 'shell-xargs4')!;
  const upRows = summary.map((s) => {
    const target = UP_TARGETS[targetsOf]?.[s.variant];
    const r = s.up / base.up;
    const met = target === undefined ? undefined : r <= target;
    if (target !== undefined) {
      targets.push({ part: 'apply', what: `up, N=${n}: ${LABEL[s.variant]} / sequential shell`, value: ratio(r), target: `≤ ${target}×`, met: met! });
    }
    const role = s.variant === 'shell-seq' ? 'baseline' : 'reference';
    return [LABEL[s.variant], ms(s.up), ratio(r), ratio(s.pairedUp), target === undefined ? role : `≤ ${target.toFixed(2)}×`, verdict(met)];
  });
  const downRows = summary.map((s) => [LABEL[s.variant], ms(s.down), ratio(s.down / base.down), ratio(s.pairedDown), ratio(s.down / xargs.down)]);
  const leases = samples.map((s) => s.leasesBefore);
  const short = samples.filter((s) => s.withLease < n).length;
  const sections = [
    `#### up, N = ${n} (${rounds} round${rounds === 1 ? '' : 's'}, medians)\n\n` +
      table(['variant', 'up', 'ratio', 'paired ratio', 'target', 'verdict'], upRows),
    `#### down, N = ${n} (same runs; no target here: concurrent stops are measured by their own part)\n\n` +
      table(['variant', 'down', 'ratio', 'paired ratio', 'ratio to xargs -P4'], downRows),
    lockerBreakdownTable(n, samples),
    `Between up and down the bench waits, untimed, until every container has its DHCP lease (as a user's ` +
      `containers would have by the time they are taken down): ${short === 0 ? 'all did in every run' : `${short} run(s) had containers without one after 30 s`}. ` +
      `DHCP leases in use on the bench's bridge before each run: ${Math.min(...leases)}–${Math.max(...leases)} of 253.`,
  ];
  return sections;
}

export async function runApplyOverhead(o: PartOptions): Promise<PartResult> {
  const sizes: Array<{ n: number; rounds: number; targetsOf: number }> = o.quick
    ? [{ n: 10, rounds: 1, targetsOf: 20 }]
    : [
        { n: 20, rounds: 5, targetsOf: 20 },
        { n: 50, rounds: 3, targetsOf: 50 },
      ];
  const sections: string[] = [];
  const targets: TargetVerdict[] = [];
  const bridge = await createDhcpBridge(`lka${randomBytes(4).toString('hex')}`);
  try {
    for (const size of sizes) sections.push(...(await measureSize(bridge, size, o, targets)));
    const missed = targets.some((t) => !t.met);
    if (missed || o.profile) {
      const n = o.quick ? 10 : 20;
      o.log(`[apply] profiling N=${n} (programs started, per-call costs, node --cpu-prof)`);
      sections.push(await profileApply(makeWorkdir(n, bridge), o.log));
    }
  } finally {
    await bridge.destroy();
  }
  const note =
    `Whole-process wall time of \`node bin/locker up --yes …\` and of \`down --yes\` (CLI start-up included), each ` +
    `variant in its own fresh lxcpath, variants alternated within every round, all on a bridge of the bench's own ` +
    `with lxc-net's dnsmasq options (so other people's containers on lxcbr0 neither take the planned addresses nor fill ` +
    `the pool). The shell scripts do what Locker does: ` +
    `lxc-create, lxc-copy -s -B overlayfs, set-network's writes (the address claim that is lxc-net's DHCP reservation, ` +
    `the forward hook, the interface lines), lxc-start (which returns once the container is RUNNING); down: ` +
    `lxc-stop -t ${DEFAULT_STOP_TIMEOUT_S} (Locker's clean-stop timeout), lxc-destroy clones first, the claims removed, ` +
    `dnsmasq told (SIGHUP) and each lease given back (dhcp_release). "ratio" is the ratio of medians, ` +
    `"paired ratio" the median of per-round ratios.`;
  return { title: '1. Apply overhead', markdown: [note, ...sections].join('\n\n'), targets };
}

function lockerBreakdownTable(n: number, samples: Sample[]): string {
  const rows: string[][] = [];
  for (const variant of ['locker-p1', 'locker-default'] as const) {
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
    `Locker's own account of N = ${n} (from its event log, medians): wall = whole process; "outside the run" = start-up, ` +
    `spec, lock, observe, plan, and the end of the process after the run; "run" = run.started → run.finished; ` +
    `"in actions" = sum of action durations (they overlap when parallel).\n\n` +
    table(['command', 'wall', 'outside the run', 'run', 'in actions (sum)', 'actions', 'per kind: count × mean'], rows)
  );
}
