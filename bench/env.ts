// The machine a run measured: what RESULTS.md must name, and whether it was quiet while measuring.

import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';

function tryRun(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return (err.stdout || err.stderr || 'n/a').toString().trim();
  }
}

export interface MachineInfo {
  date: string;
  cpus: string;
  memory: string;
  kernel: string;
  distro: string;
  node: string;
  lxc: string;
  nats: string;
  iptables: string;
  storage: string;
  commit: string;
}

export function machineInfo(): MachineInfo {
  const os = readFileSync('/etc/os-release', 'utf8').match(/^PRETTY_NAME="?([^"\n]*)"?/m)?.[1] ?? 'n/a';
  return {
    date: new Date().toISOString(),
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    kernel: tryRun('uname', ['-r']),
    distro: os,
    node: process.version,
    lxc: tryRun('lxc-create', ['--version']),
    nats: tryRun('nats-server', ['--version']),
    iptables: tryRun('iptables', ['--version']),
    storage: tryRun('df', ['-hT', '/tmp']).split('\n')[1] ?? 'n/a',
    commit: describeCommit(),
  };
}

function describeCommit(): string {
  const head = tryRun('git', ['rev-parse', '--short', 'HEAD']);
  const dirty = tryRun('git', ['status', '--porcelain', '--', 'src', 'plans', 'agents', 'machines', 'bin'])
    .split('\n')
    .filter((l) => l.trim() !== '').length;
  return `${head}${dirty > 0 ? ` + ${dirty} uncommitted change(s) in src/plans/agents/machines/bin (work in progress by others)` : ''}`;
}

export function renderMachine(m: MachineInfo, command: string): string {
  return [
    `- date: ${m.date}`,
    `- code: ${m.commit}`,
    `- command: \`${command}\``,
    `- CPU: ${m.cpus}; RAM: ${m.memory}`,
    `- kernel: ${m.kernel} (${m.distro}); Node ${m.node}`,
    `- LXC ${m.lxc}; ${m.nats}; ${m.iptables}`,
    `- /tmp: ${m.storage.replace(/\s+/g, ' ')}`,
  ].join('\n');
}

export function load1(): number {
  return loadavg()[0]!;
}

export interface LoadRecord {
  part: string;
  before: number;
  after?: number;
  waitedS: number;
}

/**
 * Waits (up to maxWaitS) until the 1-minute load is at most `limit`, so other work on the machine
 * disturbs the timings less. Returns what it saw; it never refuses to measure.
 */
export async function waitForQuiet(part: string, limit: number, maxWaitS: number, log: (s: string) => void): Promise<LoadRecord> {
  const start = Date.now();
  let told = false;
  while (load1() > limit && (Date.now() - start) / 1000 < maxWaitS) {
    if (!told) log(`[${part}] load ${load1().toFixed(2)} > ${limit}: waiting up to ${maxWaitS} s for a quieter machine`);
    told = true;
    await new Promise((r) => setTimeout(r, 10_000));
  }
  return { part, before: load1(), waitedS: Math.round((Date.now() - start) / 1000) };
}
