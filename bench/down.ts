// `down` against compose's semantics in a shell: N busybox containers (one origin, N-1 snapshot clones,
// all running with their DHCP lease), torn down by `locker down` and by a script that asks every container
// to stop cleanly at once (`lxc-stop -t 10 &` ... `wait`), then destroys them, clones first.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_STOP_TIMEOUT_S } from '../src/rules/stop-timeout.js';
import { lockerArgs, makeWorkdir, originName, cloneNames, project, writeShellRun, type Workdir } from './apply-workload.js';
import { createDhcpBridge } from './dhcp-bridge.js';
import { onCleanup } from './cleanup.js';
import { listStates, newLxcPath } from './lxc-host.js';
import type { PartOptions, PartResult, TargetVerdict } from './part.js';
import { mustRun } from './proc.js';
import { median } from './stats.js';
import { ms, ratio, table, verdict } from './table.js';

type Variant = 'shell-all-at-once' | 'locker-p4' | 'locker-p1';
const VARIANTS: Variant[] = ['shell-all-at-once', 'locker-p4', 'locker-p1'];
const LABEL: Record<Variant, string> = {
  'shell-all-at-once': 'shell: every lxc-stop at once, wait, destroy',
  'locker-p4': 'locker down (default --parallelism 4)',
  'locker-p1': 'locker down --parallelism 1',
};
/** Issue 11: `down` of 20 containers ≤ 1.3× a shell that asks all of them to stop cleanly at once. */
const TARGET: Partial<Record<Variant, number>> = { 'locker-p4': 1.3, 'locker-p1': 1.3 };

interface Sample {
  variant: Variant;
  downMs: number;
  /** Locker only, from its event log: first stop taken up → last stop done, and stops that had to kill. */
  stopWaveMs?: number;
  killed?: number;
}

/** The shell side: every clean stop at once (lxc-stop kills after the same timeout), then the destroys. */
function writeShellDown(dir: string, n: number): string {
  const all = [originName(n), ...cloneNames(n)];
  const text =
    '#!/bin/sh\nset -e\nP="$1"\n' +
    all.map((c) => `lxc-stop -P "$P" -n ${c} -t ${DEFAULT_STOP_TIMEOUT_S} &\n`).join('') +
    'wait\n' +
    [...cloneNames(n), originName(n)].map((c) => `lxc-destroy -P "$P" -n ${c}\n`).join('');
  const file = path.join(dir, 'down-all-at-once.sh');
  writeFileSync(file, text, { mode: 0o755 });
  return file;
}

interface LoggedEvent {
  type: string;
  runId: string;
  ts: string;
  data?: { kind?: string; warning?: string };
}

function describeStops(logText: string): { stopWaveMs: number; killed: number } {
  const events = logText.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LoggedEvent);
  const runId = events.filter((e) => e.type === 'run.started').at(-1)?.runId;
  const stops = events.filter((e) => e.runId === runId && e.data?.kind === 'stop');
  const times = (type: string) => stops.filter((e) => e.type === type).map((e) => Date.parse(e.ts));
  return {
    stopWaveMs: Math.max(...times('action.succeeded')) - Math.min(...times('action.started')),
    killed: stops.filter((e) => e.type === 'action.succeeded' && e.data?.warning !== undefined).length,
  };
}

/**
 * `locker up`, once more when it fails: lxcbr0 is shared with whoever else runs on the machine, and another
 * user may take a planned address between plan and apply (HOST_PRECONDITION); the next up plans around it.
 */
async function setUpWithLocker(w: Workdir, n: number, lxcpath: string, env: NodeJS.ProcessEnv): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mustRun(process.execPath, lockerArgs('up', w, lxcpath, 4), { env, timeoutMs: 30 * 60_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

async function runVariant(variant: Variant, n: number, w: Workdir, shellDown: string): Promise<Sample> {
  const host = newLxcPath(`down-${variant}`);
  const stateDir = mkdtempSync('/tmp/bench-state-');
  const dropState = onCleanup(`state ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  const env = { ...process.env, LOCKER_STATE_DIR: stateDir };
  try {
    // Untimed set-up: each side brings its containers up its own way, and waits until every one has its
    // lease (busybox's rcS holds the halt signal back until udhcpc is done).
    if (variant === 'shell-all-at-once') await mustRun('sh', [(await writeShellRun(w, false)).up, host.lxcpath], { timeoutMs: 30 * 60_000 });
    else await setUpWithLocker(w, n, host.lxcpath, env);
    const withLease = await host.awaitLeases();
    const states = [...(await listStates(host.lxcpath)).values()];
    if (states.length !== n || states.some((s) => s !== 'RUNNING') || withLease !== n) {
      throw new Error(`${variant}: expected ${n} running containers with a lease, found ${states.length} (${withLease} with a lease)`);
    }
    const down =
      variant === 'shell-all-at-once'
        ? await mustRun('sh', [shellDown, host.lxcpath], { timeoutMs: 30 * 60_000 })
        : await mustRun(process.execPath, lockerArgs('down', w, host.lxcpath, variant === 'locker-p1' ? 1 : 4), { env, timeoutMs: 30 * 60_000 });
    const left = await listStates(host.lxcpath);
    if (left.size !== 0) throw new Error(`${variant} down left ${left.size} containers in ${host.lxcpath}`);
    const sample: Sample = { variant, downMs: down.ms };
    const log = path.join(stateDir, project(n), 'events.jsonl');
    if (existsSync(log)) Object.assign(sample, describeStops(readFileSync(log, 'utf8')));
    return sample;
  } finally {
    await host.destroy();
    await dropState();
  }
}

export async function runDownCost(o: PartOptions): Promise<PartResult> {
  const n = o.quick ? 10 : 20;
  const rounds = o.quick ? 1 : 3;
  // The containers live on a bridge of the bench's own (see bench/apply-workload.ts).
  const bridge = await createDhcpBridge(`lkd${randomBytes(4).toString('hex')}`);
  const w = makeWorkdir(n, bridge);
  const shellDown = writeShellDown(w.dir, n);
  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round - 1) % VARIANTS.length]!);
    for (const variant of order) {
      const s = await runVariant(variant, n, w, shellDown);
      o.log(
        `[down] N=${n} round ${round}/${rounds} ${variant}: down ${ms(s.downMs)}` +
          (s.stopWaveMs === undefined ? '' : ` (stops ${ms(s.stopWaveMs)}, ${s.killed} killed)`),
      );
      samples.push(s);
    }
  }
  const base = median(samples.filter((s) => s.variant === 'shell-all-at-once').map((s) => s.downMs));
  const targets: TargetVerdict[] = [];
  const rows = VARIANTS.map((variant) => {
    const xs = samples.filter((s) => s.variant === variant);
    const down = median(xs.map((s) => s.downMs));
    const r = down / base;
    const target = TARGET[variant];
    const met = target === undefined ? undefined : r <= target;
    if (target !== undefined) targets.push({ part: 'down', what: `N=${n} ${variant} / shell, all stops at once`, value: ratio(r), target: `≤ ${target}×`, met: met! });
    const waves = xs.flatMap((s) => (s.stopWaveMs === undefined ? [] : [s.stopWaveMs]));
    return [
      LABEL[variant],
      ms(down),
      ratio(r),
      waves.length === 0 ? '—' : ms(median(waves)),
      xs.some((s) => s.killed !== undefined) ? String(xs.reduce((k, s) => k + (s.killed ?? 0), 0)) : '—',
      target === undefined ? 'baseline' : `≤ ${target.toFixed(2)}×`,
      verdict(met),
    ];
  });
  const note =
    `Whole-process wall time of the teardown alone of N = ${n} running busybox containers (one origin, ${n - 1} snapshot ` +
    `clones, each with its DHCP lease), ${rounds} round${rounds === 1 ? '' : 's'}, variants alternated, medians. The shell ` +
    `asks every container to stop at once (\`lxc-stop -t ${DEFAULT_STOP_TIMEOUT_S} &\` … \`wait\`: compose's semantics), ` +
    `then destroys them, clones first. Locker's "stops" is its own account (event log): first stop taken up → last stop ` +
    `done; "killed" counts stops that ran into their timeout. Set-up (\`up\`, the leases) is not timed.`;
  return {
    title: 'Down: all stops at once',
    markdown: `${note}\n\n${table(['variant', 'down', 'ratio', 'stops', 'killed', 'target', 'verdict'], rows)}`,
    targets,
  };
}
