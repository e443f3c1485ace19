// Pids of processes in a known state, for tests of lock holders: one that is alive, one that has exited.

import { spawn, type ChildProcess } from 'node:child_process';

const live: ChildProcess[] = [];

/** The pid of a process that stays alive until killLiveProcesses() (call it in afterEach). */
export function liveProcess(): number {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  live.push(child);
  if (child.pid === undefined) throw new Error('could not spawn sleep');
  return child.pid;
}

/** Kills every process liveProcess() started. */
export function killLiveProcesses(): void {
  for (const child of live.splice(0)) child.kill('SIGKILL');
}

/** The pid of a process that has already exited. */
export async function deadPid(): Promise<number> {
  const child = spawn('true', [], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn true');
  await new Promise((done) => child.on('exit', done));
  return pid;
}
