import { describe, expect, it } from 'vitest';
import { runLxc } from '../../src/lxc/run-lxc.js';
import { runProgram } from '../../src/proc/run-program.js';
import { rejection } from '../helpers/errors.js';

const sh = (script: string, opts: { input?: string; timeoutMs?: number } = {}) =>
  runProgram('sh', ['-c', script, 'sh', 'an argument with spaces; and $(no shell)'], { timeoutMs: opts.timeoutMs ?? 10_000, ...opts });

describe('runProgram', () => {
  it('collects stdout and stderr without their final newline, and the exit code', async () => {
    const r = await sh('printf "one\\ntwo\\n"; echo oops >&2');
    expect(r).toMatchObject({ stdout: 'one\ntwo', stderr: 'oops', exitCode: 0, failed: false, timedOut: false });
  });

  it('passes arguments as they are: nothing is interpreted by a shell', async () => {
    const r = await sh('printf "%s" "$1"');
    expect(r.stdout).toBe('an argument with spaces; and $(no shell)');
  });

  it('a non-zero exit is a failure with its code', async () => {
    const r = await sh('exit 3');
    expect(r).toMatchObject({ exitCode: 3, failed: true, timedOut: false });
  });

  it('feeds the input to standard input, and closes it when there is none', async () => {
    expect((await sh('cat', { input: 'fed\n' })).stdout).toBe('fed');
    expect((await sh('cat')).stdout).toBe('');
  });

  it('a program that does not read its input is not an error', async () => {
    const r = await sh('exit 0', { input: 'x'.repeat(1 << 20) });
    expect(r).toMatchObject({ exitCode: 0, failed: false });
  });

  it('a missing program is ENOENT, not an exit code', async () => {
    const r = await runProgram('locker-no-such-program', [], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ errorCode: 'ENOENT', failed: true });
    expect(r.exitCode).toBeUndefined();
  });

  it('kills a program that runs past its timeout and says so', async () => {
    const r = await sh('exec sleep 30', { timeoutMs: 100 });
    expect(r).toMatchObject({ timedOut: true, failed: true, signal: 'SIGTERM' });
  });

  it('ends at the timeout even when a child the program left behind holds its output open', async () => {
    const r = await sh('sleep 30 & echo $!; exit 0', { timeoutMs: 300 });
    process.kill(Number(r.stdout), 'SIGKILL');
    expect(r).toMatchObject({ timedOut: true, failed: true, exitCode: 0 });
  });

  it('runs with LC_ALL added to the environment, the rest kept', async () => {
    const r = await runProgram('sh', ['-c', 'echo "$LC_ALL $PATH"'], { timeoutMs: 10_000, env: { LC_ALL: 'C' } });
    expect(r.stdout).toBe(`C ${process.env.PATH}`);
  });
});

describe('runLxc on runProgram', () => {
  it('a missing tool is LXC_COMMAND_FAILED, not retryable, with the install hint', async () => {
    const e = await rejection(runLxc('locker-no-such-tool', ['-n', 'web']));
    expect(e).toMatchObject({ code: 'LXC_COMMAND_FAILED', retryable: false, message: 'locker-no-such-tool failed for web (not found)' });
    expect(e.hint).toContain('apt-get install -y lxc');
  });

  it('a failing tool names its exit code, and its stderr in the detail', async () => {
    const e = await rejection(runLxc('sh', ['-c', 'echo broken >&2; exit 4', '-n', 'db'], { retryable: true }));
    expect(e).toMatchObject({ code: 'LXC_COMMAND_FAILED', retryable: true, message: 'sh failed for db (exit 4)' });
    expect(e.detail).toContain('stderr: broken');
  });

  it('an exit code named as an answer is returned, not thrown', async () => {
    const r = await runLxc('sh', ['-c', 'echo no; exit 1'], { okExitCodes: [1] });
    expect(r).toEqual({ stdout: 'no', stderr: '', exitCode: 1 });
  });

  it('streams stdout and stderr to onOutput, whole characters across reads, in the folder asked for, collecting nothing', async () => {
    const chunks: string[] = [];
    // "é" is two bytes, written one at a time: decoded once, whole.
    const r = await runProgram('sh', ['-c', 'pwd; printf "\\303"; sleep 0.1; printf "\\251\\n"; echo err >&2'], { timeoutMs: 10_000, cwd: '/', onOutput: (t) => chunks.push(t) });
    expect(r).toMatchObject({ stdout: '', stderr: '', exitCode: 0 });
    const text = chunks.join('');
    expect(text).toContain('/\n');
    expect(text).toContain('é\n');
    expect(text).toContain('err\n');
    expect(chunks.some((c) => c.includes('\ufffd'))).toBe(false);
  });
});
