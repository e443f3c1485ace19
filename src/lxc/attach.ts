// Running a command inside a container: lxc-attach with a clean environment (--clear-env: LXC sets only
// PATH and container=lxc) and an argv array, never a shell on the host. Output is handed on as it comes.

import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { LockerError } from '../errors.js';
import type { ExecResult, ExecSink } from '../transport/types.js';

/**
 * lxc-attach exits with the command's status, and with 128+N when the command died of signal N (seen on
 * LXC 5.0.2: `kill -9 $$` inside gives 137; it cannot be told from an exit with 137); 127 when the program
 * is missing inside, with LXC's message on stderr. lxc-attach killed itself gives 128+N too, with `signal`. Standard input is closed: no TTY, nothing to read.
 * The working directory inside is `/` (lxc-attach keeps the caller's when the container has it).
 */
export function attachCommand(lxcpath: string, name: string, argv: readonly string[], sink: ExecSink): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('lxc-attach', ['-P', lxcpath, '-n', name, '--clear-env', '--', ...argv], {
      cwd: '/',
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (chunk: Buffer) => sink.stdout(chunk));
    child.stderr.on('data', (chunk: Buffer) => sink.stderr(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new LockerError('LXC_COMMAND_FAILED', `lxc-attach could not be started for ${name}: ${e.message}`, {
          hint: e.code === 'ENOENT' ? 'install LXC: apt-get install -y lxc' : undefined,
        }),
      );
    });
    // 'close': the pipes are drained, so every chunk was handed on before the result.
    child.on('close', (code, signal) => {
      if (code !== null) resolve({ exitCode: code });
      else resolve({ exitCode: 128 + (constants.signals[signal as NodeJS.Signals] ?? 0), signal: signal ?? 'unknown' });
    });
  });
}
