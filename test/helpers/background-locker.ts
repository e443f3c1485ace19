// `bin/locker` started in the background, so a test can inject a fault while it runs: it knows the pid
// it started and kills that process only (never by name). Its children (lxc-create, ...) are left alone,
// as they would be after a real crash. Every process started here is remembered, so a file's cleanup
// can kill what is still running even after a failed or timed-out test.

import { execa } from 'execa';
import { LOCKER_BIN, type LockerResult } from './run-locker.js';

export interface BackgroundLocker {
  pid: number;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Whether it is still running. */
  running(): boolean;
  /** Its result, once it exits (killed or not). */
  result: Promise<LockerResult & { signal?: string }>;
  /** Sends `signal` to this pid if it still runs, and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const started = new Set<BackgroundLocker>();

export function startLocker(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): BackgroundLocker {
  let all = '';
  const child = execa(process.execPath, [LOCKER_BIN, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    reject: false,
    all: true,
    stdin: 'ignore',
    // 0: no limit (agents run for the whole file; the test kills them by pid).
    timeout: opts.timeoutMs ?? 180_000,
  });
  if (child.pid === undefined) throw new Error(`could not start locker ${args.join(' ')}`);
  child.all?.on('data', (d: Buffer) => {
    all += d.toString();
  });
  // Node sets these when it reaps the child: until then its pid cannot be reused.
  const running = () => child.exitCode === null && child.signalCode === null;
  const proc: BackgroundLocker = {
    pid: child.pid,
    output: () => all,
    running,
    result: child.then((r) => {
      started.delete(proc);
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr), signal: r.signal };
    }),
    kill: async (signal = 'SIGKILL') => {
      if (running()) process.kill(child.pid!, signal);
      await proc.result;
    },
  };
  started.add(proc);
  return proc;
}

/** Runs locker to the end, like runLocker, but killable by killStartedLockers() if the test gives up on it. */
export async function runTracked(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<LockerResult> {
  const { exitCode, stdout, stderr } = await startLocker(args, opts).result;
  return { exitCode, stdout, stderr };
}

/** SIGKILLs every process startLocker() started that still runs, by its pid. */
export async function killStartedLockers(): Promise<void> {
  for (const proc of [...started]) await proc.kill('SIGKILL');
}
