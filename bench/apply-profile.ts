// Where Locker's apply time goes: its own event log (run span, action durations), the programs it
// starts compared with the shell script's, per-call costs of the extra calls, and a CPU profile.

import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { lockerArgs, originName, cloneNames, writeShellRun, type Workdir } from './apply-workload.js';
import { onCleanup } from './cleanup.js';
import { profilesIn, summarizeProfile, type ProfileSummary } from './cpu-profile.js';
import { newLxcPath } from './lxc-host.js';
import { LOCKER_BIN } from './part.js';
import { mustRun, timedRun } from './proc.js';
import { median } from './stats.js';
import { makeExecCounter } from './exec-counter.js';
import { describeExecs, totalExecs } from './strace.js';
import { ms, table } from './table.js';

export interface CommandBreakdown {
  wallMs: number;
  /** run.started → run.finished. */
  runMs: number;
  /** Sum of action durations (they overlap at parallelism > 1). */
  actionMs: number;
  actions: number;
  byKind: Record<string, { count: number; ms: number }>;
}

export interface LockerRunBreakdown {
  up: CommandBreakdown;
  down: CommandBreakdown;
}

interface LoggedEvent {
  type: string;
  ts: string;
  runId?: string;
  data?: { kind?: string; durationMs?: number; plan?: { actions?: unknown[] } };
}

/** The first run in the log is the up, the second the down. */
export function describeLockerRuns(logText: string, upWallMs: number, downWallMs: number): LockerRunBreakdown {
  const events = logText
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LoggedEvent);
  const runIds = [...new Set(events.filter((e) => e.type === 'run.started').map((e) => e.runId!))];
  const one = (runId: string | undefined, wallMs: number): CommandBreakdown => {
    const mine = events.filter((e) => e.runId === runId);
    const started = mine.find((e) => e.type === 'run.started');
    const finished = mine.find((e) => e.type === 'run.finished');
    const byKind: CommandBreakdown['byKind'] = {};
    let actionMs = 0;
    for (const e of mine.filter((x) => x.type === 'action.succeeded')) {
      const kind = e.data?.kind ?? '?';
      byKind[kind] ??= { count: 0, ms: 0 };
      byKind[kind].count += 1;
      byKind[kind].ms += e.data?.durationMs ?? 0;
      actionMs += e.data?.durationMs ?? 0;
    }
    const runMs = started && finished ? Date.parse(finished.ts) - Date.parse(started.ts) : Number.NaN;
    return { wallMs, runMs, actionMs, actions: started?.data?.plan?.actions?.length ?? 0, byKind };
  };
  return { up: one(runIds[0], upWallMs), down: one(runIds[1], downWallMs) };
}

async function countProcesses(w: Workdir, tmp: string): Promise<string> {
  const rows: string[][] = [];
  const counter = makeExecCounter(tmp);
  const shellHost = newLxcPath('profile-shell');
  try {
    const s = await writeShellRun(w, false);
    for (const cmd of ['up', 'down'] as const) {
      await mustRun('sh', [s[cmd], shellHost.lxcpath], { env: counter.env(process.env) });
      await shellHost.awaitLeases();
      const execs = counter.take();
      rows.push([`shell script ${cmd}`, String(totalExecs(execs)), describeExecs(execs)]);
    }
  } finally {
    await shellHost.destroy();
  }
  for (const parallelism of [1, undefined]) {
    const lockerHost = newLxcPath('profile-locker');
    const state = mkdtempSync('/tmp/bench-state-');
    const env = counter.env({ ...process.env, LOCKER_STATE_DIR: state });
    try {
      for (const cmd of ['up', 'down'] as const) {
        await mustRun(process.execPath, lockerArgs(cmd, w, lockerHost.lxcpath, parallelism), { env });
        await lockerHost.awaitLeases();
        const execs = counter.take();
        rows.push([`locker ${cmd}${parallelism === undefined ? '' : ` --parallelism ${parallelism}`}`, String(totalExecs(execs)), describeExecs(execs)]);
      }
    } finally {
      await lockerHost.destroy();
      rmSync(state, { recursive: true, force: true });
    }
  }
  return (
    `Programs started (lxc-*, iptables*, ip, sysctl, dhcp_release; counted by logging shims first in PATH), N = ${w.n}:\n\n` +
    table(['what', 'programs', 'by program'], rows)
  );
}

async function medianOf(times: number, f: () => Promise<number>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) xs.push(await f());
  return median(xs);
}

/** Per-call costs of the calls Locker makes beyond the script's, on a host with N running containers. */
async function callCosts(w: Workdir): Promise<string> {
  const n = w.n;
  const host = newLxcPath('profile-calls');
  const state = mkdtempSync('/tmp/bench-state-');
  const env = { ...process.env, LOCKER_STATE_DIR: state };
  try {
    await mustRun(process.execPath, lockerArgs('up', w, host.lxcpath), { env });
    await host.awaitLeases();
    const P = host.lxcpath;
    const one = cloneNames(n)[0] ?? originName(n);
    const t = async (file: string, args: string[]) => (await mustRun(file, args)).ms;
    const rows: string[][] = [
      ['node bin/locker --version (Node start-up + CLI entry)', ms(await medianOf(7, () => t(process.execPath, [LOCKER_BIN, '--version'])))],
      [
        `node bin/locker plan (start-up, spec, 1 observe, plan; converged, N = ${n})`,
        ms(await medianOf(5, async () => (await timedRun(process.execPath, [LOCKER_BIN, 'plan', '-f', w.spec, '-P', P, '-p', `bench${n}`], { env })).ms)),
      ],
      [`lxc-ls -f -F NAME,STATE,PID,IPV4 (N = ${n} running)`, ms(await medianOf(7, () => t('lxc-ls', ['-P', P, '-f', '-F', 'NAME,STATE,PID,IPV4'])))],
      ['iptables-save', ms(await medianOf(7, () => t('iptables-save', [])))],
      ['lxc-info -sH (one running container)', ms(await medianOf(15, () => t('lxc-info', ['-P', P, '-n', one, '-sH'])))],
    ];
    await mustRun(process.execPath, lockerArgs('down', w, host.lxcpath), { env });
    return `Cost of single calls (medians):\n\n${table(['call', 'wall'], rows)}`;
  } finally {
    await host.destroy();
    rmSync(state, { recursive: true, force: true });
  }
}

function renderProfile(what: string, p: ProfileSummary): string {
  const origins = p.byOrigin.slice(0, 8).map(([k, v]) => [k, ms(v)]);
  const funcs = p.topFunctions.slice(0, 8).map(([k, v]) => [k, ms(v)]);
  return (
    `CPU profile of \`${what}\` (node --cpu-prof): ${ms(p.wallMs)} profiled, ${ms(p.busyMs)} on the CPU ` +
    `(the rest is waiting for lxc-* children).\n\n` +
    table(['self time by origin', 'ms'], origins) +
    '\n\n' +
    table(['top functions (self)', 'ms'], funcs)
  );
}

/** `up` at --parallelism 1 and at the default, and `down` at the default, each under node --cpu-prof. */
async function cpuProfiles(w: Workdir, tmp: string): Promise<string> {
  const parts: string[] = [];
  for (const parallelism of [1, undefined]) {
    const host = newLxcPath('profile-cpu');
    const state = mkdtempSync('/tmp/bench-state-');
    const env = { ...process.env, LOCKER_STATE_DIR: state };
    try {
      for (const cmd of ['up', 'down'] as const) {
        const p = cmd === 'up' ? parallelism : undefined;
        const what = `locker ${cmd}${p === undefined ? '' : ` --parallelism ${p}`}`;
        const [bin, ...args] = lockerArgs(cmd, w, host.lxcpath, p);
        const profiled = cmd === 'up' || parallelism === undefined;
        const dir = path.join(tmp, `cpu-${cmd}-${p ?? 'default'}`);
        await mustRun(process.execPath, [...(profiled ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), bin!, ...args], { env });
        if (cmd === 'up') await host.awaitLeases();
        const file = profiled ? profilesIn(dir)[0] : undefined;
        if (file) parts.push(renderProfile(what, summarizeProfile(file)));
      }
    } finally {
      await host.destroy();
      rmSync(state, { recursive: true, force: true });
    }
  }
  return parts.join('\n\n');
}

export async function profileApply(w: Workdir, log: (s: string) => void): Promise<string> {
  const n = w.n;
  const tmp = mkdtempSync('/tmp/bench-profile-');
  const drop = onCleanup(`profile ${tmp}`, () => rmSync(tmp, { recursive: true, force: true }));
  try {
    log('[apply] profile: process counts');
    const counts = await countProcesses(w, tmp);
    log('[apply] profile: per-call costs');
    const costs = await callCosts(w);
    log('[apply] profile: CPU profiles');
    const cpu = await cpuProfiles(w, tmp);
    return `#### Profile (N = ${n})\n\n${counts}\n\n${costs}\n\n${cpu}`;
  } finally {
    await drop();
  }
}
