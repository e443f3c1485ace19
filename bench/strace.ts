// Counting the processes a command starts, from `strace -f -o FILE -e trace=execve,clone,clone3,fork,vfork`.
// execve: programs run (successful calls only; PATH lookups that fail are not programs).
// clone without CLONE_THREAD, fork, vfork: processes created (a fork that does not exec counts here too).

import { readFileSync } from 'node:fs';
import { timedRun, type Timed } from './proc.js';

export const STRACE_TRACE = 'trace=execve,clone,clone3,fork,vfork';

export interface ProcessCount {
  /** Successful execve by program basename. */
  execs: Map<string, number>;
  /** Processes created (threads excluded). */
  forks: number;
}

export function parseStrace(file: string): ProcessCount {
  const execs = new Map<string, number>();
  const pendingExec = new Map<string, string>();
  const pendingClone = new Map<string, boolean>();
  let forks = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const pid = line.match(/^(\d+)\s/)?.[1];
    if (pid === undefined) continue;
    const exec = line.match(/execve\("([^"]+)"/);
    if (exec) {
      if (line.includes('<unfinished')) pendingExec.set(pid, exec[1]!);
      else if (/\) = 0$/.test(line)) bump(execs, exec[1]!);
      continue;
    }
    if (/<\.\.\. execve resumed>.*= 0$/.test(line)) {
      const path = pendingExec.get(pid);
      if (path !== undefined) bump(execs, path);
      pendingExec.delete(pid);
      continue;
    }
    const call = line.match(/\b(clone3?|vfork|fork)\((.*)/);
    if (call) {
      const isThread = call[2]!.includes('CLONE_THREAD');
      if (line.includes('<unfinished')) pendingClone.set(pid, isThread);
      else if (!isThread && /= \d+$/.test(line)) forks += 1;
      continue;
    }
    if (/<\.\.\. (clone3?|vfork|fork) resumed>.*= \d+$/.test(line)) {
      if (pendingClone.get(pid) === false) forks += 1;
      pendingClone.delete(pid);
    }
  }
  return { execs, forks };
}

function bump(m: Map<string, number>, path: string): void {
  const name = path.split('/').pop()!;
  m.set(name, (m.get(name) ?? 0) + 1);
}

export async function straceRun(
  out: string,
  file: string,
  args: string[],
  opts: Parameters<typeof timedRun>[2] = {},
): Promise<Timed & ProcessCount> {
  const r = await timedRun('strace', ['-f', '-qq', '-e', STRACE_TRACE, '-e', 'signal=none', '-o', out, file, ...args], opts);
  return { ...r, ...parseStrace(out) };
}

/** `lxc-info 120, lxc-start 20, ...`, biggest first. */
export function describeExecs(execs: Map<string, number>, skip: string[] = []): string {
  return [...execs]
    .filter(([n]) => !skip.includes(n))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([n, c]) => `${n} ${c}`)
    .join(', ');
}

export function totalExecs(execs: Map<string, number>, skip: string[] = []): number {
  return [...execs].filter(([n]) => !skip.includes(n)).reduce((a, [, c]) => a + c, 0);
}
