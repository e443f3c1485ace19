// Start-up: `locker plan` of a project without containers, as a whole process (issue 11: ≤ 150 ms), next to Node alone
// and `locker --version`; and where its time goes, phase by phase, from CPU profiles of the same command.

import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.js';
import type { PhaseNotes } from './phase-clock.cjs';
import { benchFile, LOCKER_BIN, REPO, type PartOptions, type PartResult, type TargetVerdict } from './part.js';
import { mustRun } from './proc.js';
import { median, min } from './stats.js';
import { ms, table, verdict } from './table.js';

/** `locker plan` of a project with no containers, start-up included (ms). */
const PLAN_EMPTY_TARGET_MS = 150;
const CODE_CACHE_DIR = path.join(REPO, 'dist/bundle/code-cache');

interface Timing {
  median: number;
  min: number;
}

interface Workdir {
  dir: string;
  spec: string;
  planArgs: string[];
  env: NodeJS.ProcessEnv;
}

function makeWorkdir(): Workdir {
  const dir = mkdtempSync('/tmp/bench-startup-');
  const specDir = path.join(dir, 'benchempty');
  mkdirSync(specDir);
  mkdirSync(path.join(dir, 'lxc'));
  const spec = path.join(specDir, 'locker.yml');
  writeFileSync(spec, 'containers: {}\n');
  return {
    dir,
    spec,
    planArgs: [LOCKER_BIN, 'plan', '-f', spec, '-P', path.join(dir, 'lxc')],
    env: { ...process.env, LOCKER_STATE_DIR: path.join(dir, 'state') },
  };
}

async function timed(rounds: number, args: string[], env: NodeJS.ProcessEnv, before?: () => void): Promise<Timing> {
  const xs: number[] = [];
  await mustRun(process.execPath, args, { env }); // the page cache, and the command's code cache
  for (let i = 0; i < rounds; i++) {
    before?.();
    xs.push((await mustRun(process.execPath, args, { env })).ms);
  }
  return { median: median(xs), min: min(xs) };
}

/** The plan command's code caches: removed, its next run compiles the bundle's functions from source. */
function dropPlanCodeCache(): void {
  for (const f of readdirSync(CODE_CACHE_DIR)) if (f.startsWith('plan-')) rmSync(path.join(CODE_CACHE_DIR, f));
}

/** bin/locker runs dist/ itself when tsc compiled it after the last bundle: that is not what users run. */
function assertBundled(): void {
  const bundle = statSync(path.join(REPO, 'dist/bundle/locker.cjs'), { throwIfNoEntry: false });
  if (bundle === undefined || bundle.mtimeMs < statSync(path.join(REPO, 'dist/src/cli/main.js')).mtimeMs) {
    throw new Error('dist/ was compiled after its bundle (npx tsc?), so bin/locker would run dist/ itself: run bin/build first');
  }
}

const show = (t: Timing) => `${ms(t.median)} (min ${ms(t.min)})`;

/** Where the time of `locker plan` goes: what bench/phase-clock.cts saw from inside the process, and the wall time. */
async function phases(w: Workdir, runs: number): Promise<{ rows: string[][]; wallMs: number }> {
  const file = path.join(w.dir, 'phases.json');
  const env = { ...w.env, BENCH_PHASE_FILE: file, BENCH_PHASE_SPEC: w.spec };
  const byPhase = new Map<string, number[]>();
  const walls: number[] = [];
  await mustRun(process.execPath, ['--require', benchFile('phase-clock', 'cjs'), ...w.planArgs], { env });
  for (let i = 0; i < runs; i++) {
    const r = await mustRun(process.execPath, ['--require', benchFile('phase-clock', 'cjs'), ...w.planArgs], { env });
    const n = JSON.parse(readFileSync(file, 'utf8')) as PhaseNotes;
    walls.push(r.ms);
    const need = (what: string, t: number | undefined) => {
      if (t === undefined) throw new Error(`locker plan: the phase clock saw no ${what}`);
      return t;
    };
    const bounds: Array<[string, number]> = [
      ["Node's start-up (from its clock's origin to the first preloaded line)", n.ready],
      ['bin/locker and the code cache loader (dist/src/cli/code-cache.cjs): read, compile, run', need('bundle compile', n.scriptStart)],
      ["the bundle (1.3 MB) read, and compiled from its code cache", need('bundle compiled', n.scriptEnd)],
      [
        "the bundle's top level (Node's child_process, crypto, fs/promises…), the CLI, the command's modules (spec, yaml, zod and the spec schema, planner, local agent, event store)",
        need('spec lookup', n.specLookedUp),
      ],
      ['the spec (read, parsed, validated), the control point (in-process agent, event store)', need('program', n.spawns[0])],
      ['observe: from the first program started to the last one gone (lxc-ls, iptables-save, ip6tables-save, ip addr, at once)', Math.max(...n.exits)],
      ['observe (the rest: /proc for DHCP servers, claims, leases, parsing), the plan, unfinished runs, the output', need('output', n.firstOutput)],
      ['after the output: the code cache check, exit handlers', need('exit', n.exit)],
      ["outside Node's clock: exec and loading of node before it, teardown after the exit event", r.ms],
    ];
    let from = 0;
    for (const [name, to] of bounds) {
      byPhase.set(name, [...(byPhase.get(name) ?? []), to - from]);
      from = to;
    }
  }
  const rows = [...byPhase].map(([name, xs]) => [name, ms(median(xs))]);
  return { rows, wallMs: median(walls) };
}

export async function runStartup(o: PartOptions): Promise<PartResult> {
  const rounds = o.quick ? 5 : 21;
  const w = makeWorkdir();
  const drop = onCleanup(`startup workdir ${w.dir}`, () => rmSync(w.dir, { recursive: true, force: true }));
  const targets: TargetVerdict[] = [];
  const sections: string[] = [];
  try {
    assertBundled();
    // NODE_EXTRA_CA_CERTS makes Node load its root certificates and the file's at every start (Node 20 does it eagerly):
    // a set-up of this machine, not of a user's Debian. Measured with it as it is, and without.
    const extraCa = process.env.NODE_EXTRA_CA_CERTS;
    const envs: Array<[string, NodeJS.ProcessEnv]> = [['environment as it is', w.env]];
    if (extraCa !== undefined) {
      const { NODE_EXTRA_CA_CERTS: _, ...without } = w.env;
      envs.push(['without NODE_EXTRA_CA_CERTS', without]);
    }
    const columns: Array<{ bare: Timing; version: Timing; plan: Timing; cold: Timing }> = [];
    for (const [label, env] of envs) {
      o.log(`[startup] ${label}: node -e 0, locker --version, locker plan (${rounds} each)`);
      const bare = await timed(rounds, ['-e', '0'], env);
      const version = await timed(rounds, [LOCKER_BIN, '--version'], env);
      const plan = await timed(rounds, w.planArgs, env);
      const cold = await timed(o.quick ? 3 : 7, w.planArgs, env, dropPlanCodeCache);
      columns.push({ bare, version, plan, cold });
      const met = plan.median <= PLAN_EMPTY_TARGET_MS;
      targets.push({ part: 'startup', what: `\`locker plan\` of an empty project (whole process, ${label})`, value: ms(plan.median), target: `≤ ${PLAN_EMPTY_TARGET_MS} ms`, met });
    }
    const row = (what: string, pick: (c: (typeof columns)[number]) => Timing) => [what, ...columns.map((c) => show(pick(c)))];
    sections.push(
      `Median (min) of ${rounds} runs each, after one untimed run (the page cache, and the command's code cache).` +
        (extraCa === undefined ? '' : ` NODE_EXTRA_CA_CERTS is set here (${extraCa}): Node 20 reads its root certificates and that file at every start.`) +
        '\n\n' +
        table(
          ['command', ...envs.map(([label]) => label)],
          [
            row('`node -e 0` (Node alone)', (c) => c.bare),
            row('`locker --version` (Node, bin/locker, the bundle with its code cache)', (c) => c.version),
            row('`locker plan` of an empty project (start-up, spec, one observe, the plan)', (c) => c.plan),
            row("`locker plan`, first run of a build (no code cache yet: it compiles, then saves one)", (c) => c.cold),
          ],
        ),
    );
    const missed = targets.some((t) => !t.met);
    if (missed || o.profile) {
      o.log(`[startup] where the time of locker plan goes (${rounds} runs with bench/phase-clock.cts)`);
      const seen = await phases(w, rounds);
      sections.push(
        `Where the time of \`locker plan\` goes (environment as it is), median of ${rounds} runs with ` +
          '`node --require dist/bench/phase-clock.cjs` (it notes, from inside the process, when the bundle is compiled, ' +
          'the spec looked up, each program started and gone, the first output, the exit; a CPU profiler cannot say it: ' +
          `V8's profiler loses the functions a code cache brings). Median wall time with it: ${ms(seen.wallMs)}; the ` +
          'phases are medians each, so their sum is near, not at, that.\n\n' +
          table(['phase', 'ms'], seen.rows),
      );
    }
  } finally {
    await drop();
  }
  return { title: 'Start-up: plan of an empty project', markdown: sections.join('\n\n'), targets };
}
