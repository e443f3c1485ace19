// Runs one program from an argv array (never through a shell) and collects its output and how it ended.
// node:child_process only: execa's hundred-odd modules and its set-up per run cost more CPU than the
// short lxc-* tools Locker runs (bench/RESULTS.md, section 8).

import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

export interface ProgramOptions {
  /** Fed to standard input; without it standard input is closed. */
  input?: string;
  timeoutMs: number;
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Working directory of the program; this process's by default. */
  cwd?: string;
  /**
   * Streams standard output and error, as they come, to this callback (decoded as UTF-8) instead of
   * collecting them: `stdout` and `stderr` of the result are then empty, however long the program talks.
   */
  onOutput?: (text: string) => void;
}

export interface ProgramRun {
  /** Without its final newline, as the program's output reads in a terminal. */
  stdout: string;
  stderr: string;
  /** Undefined when the program did not exit by itself (killed, or never started). */
  exitCode?: number;
  signal?: string;
  /** Not started, killed, timed out, or a non-zero exit. */
  failed: boolean;
  timedOut: boolean;
  /** Why it could not be started (`ENOENT`: no such program). */
  errorCode?: string;
}

/** After a timeout the program gets SIGTERM, and SIGKILL if it is still there this much later. */
const KILL_AFTER_MS = 5_000;

export function runProgram(file: string, args: readonly string[], opts: ProgramOptions): Promise<ProgramRun> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      env: opts.env === undefined ? process.env : { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const stream = opts.onOutput;
    if (stream === undefined) {
      child.stdout!.on('data', (d: Buffer) => out.push(d));
      child.stderr!.on('data', (d: Buffer) => err.push(d));
    } else {
      // One decoder per pipe: a character split across two reads is written once, whole.
      for (const pipe of [child.stdout!, child.stderr!]) {
        const decoder = new StringDecoder('utf8');
        pipe.on('data', (d: Buffer) => stream(decoder.write(d)));
        pipe.on('end', () => stream(decoder.end()));
      }
    }
    let timedOut = false;
    let killer: NodeJS.Timeout | undefined;
    let exited: { exitCode?: number; signal?: string } | undefined;
    let settled = false;
    const settle = (how: { exitCode?: number; signal?: string; errorCode?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      const exitCode = how.exitCode;
      resolve({
        stdout: text(out),
        stderr: text(err),
        ...(exitCode === undefined ? {} : { exitCode }),
        ...(how.signal === undefined ? {} : { signal: how.signal }),
        ...(how.errorCode === undefined ? {} : { errorCode: how.errorCode }),
        failed: timedOut || how.errorCode !== undefined || exitCode !== 0,
        timedOut,
      });
    };
    // Output is complete once the pipes close; but a child the program left behind may hold them open
    // for ever: past the timeout, the program's own exit is enough.
    const giveUpOnPipes = () => {
      child.stdout!.destroy();
      child.stderr!.destroy();
      settle(exited!);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      if (exited !== undefined) return giveUpOnPipes();
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    }, opts.timeoutMs);
    const how = (code: number | null, signal: NodeJS.Signals | null) => (code === null ? { signal: signal ?? 'unknown' } : { exitCode: code });
    child.on('error', (e: NodeJS.ErrnoException) => settle({ errorCode: e.code ?? 'ERROR' }));
    child.on('exit', (code, signal) => {
      exited = how(code, signal);
      if (timedOut) giveUpOnPipes();
    });
    child.on('close', (code, signal) => settle(how(code, signal)));
    if (opts.input !== undefined) {
      // A program that exits without reading all of its input is not an error of ours (EPIPE).
      child.stdin!.on('error', () => {});
      child.stdin!.end(opts.input);
    }
  });
}

function text(chunks: Buffer[]): string {
  const s = Buffer.concat(chunks).toString('utf8');
  return s.endsWith('\r\n') ? s.slice(0, -2) : s.endsWith('\n') ? s.slice(0, -1) : s;
}
