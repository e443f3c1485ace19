// How the CLI writes: stdout for a command's output, stderr for progress and errors.
// Errors follow one shape: `error[CODE] file:line:col: message` then `hint: ...`.

import { isatty } from 'node:tty';
import { LockerError, toLockerError } from '../errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stdin and stdout are a terminal (confirmation can be asked). */
  interactive: boolean;
  /**
   * Only when stderr is a terminal: rewrites one status line in place (a countdown); undefined
   * clears it. Without it, say things once with `err`: logs stay readable.
   */
  progress?: (line: string | undefined) => void;
  /** Bytes passed through as they are (`locker exec`'s output); without it they are written as text. */
  bytes?: { stdout(chunk: Uint8Array): void; stderr(chunk: Uint8Array): void };
}

// isatty() rather than process.stdin.isTTY: reading that builds the stdin stream at every start, which costs
// milliseconds a command that never reads stdin would pay.
export const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  interactive: isatty(0) && isatty(1),
  bytes: { stdout: (c) => process.stdout.write(c), stderr: (c) => process.stderr.write(c) },
  ...(isatty(2) ? { progress: (line: string | undefined) => process.stderr.write(`\r\x1b[K${line ?? ''}`) } : {}),
};

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

export function formatError(error: LockerError, debug: boolean): string {
  const lines = [`error[${error.code}] ${error.located}`];
  if (error.location?.path) lines.push(`  at ${error.location.path}`);
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (debug) {
    if (error.detail) lines.push(error.detail);
    let cause: unknown = error.cause;
    while (cause instanceof Error) {
      lines.push(`caused by: ${cause.stack ?? cause.message}`);
      cause = cause.cause;
    }
    if (error.stack) lines.push(error.stack);
  }
  return lines.join('\n');
}

export function reportError(io: Io, e: unknown, json: boolean, debug: boolean): void {
  const error = toLockerError(e);
  if (json) printJson(io, { error: error.toJSON() });
  else io.err(formatError(error, debug || error.code === 'INTERNAL'));
}

/** A plain left-aligned table; the last column is not padded. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** How old something is, for people: `40s`, `3m 05s`, `2h 10m`, `3d 4h`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
