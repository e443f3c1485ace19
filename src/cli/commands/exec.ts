// `locker exec CONTAINER [--] COMMAND...`: runs a command inside a running container of the spec, through
// its host's agent (in-process, or over NATS), passes its output through and exits with its exit status.

import { hostname } from 'node:os';
import { LockerError, toLockerError } from '../../errors.js';
import { describeBadArgv } from '../../rules/index.js';
import { hintFor } from '../../spec/did-you-mean.js';
import type { ExecResult, ExecSink } from '../../transport/types.js';
import type { CliArgs } from '../args.js';
import type { Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';

const USAGE = 'locker exec CONTAINER [--] COMMAND [ARG...]';

export async function execCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  const [name, ...extra] = cli.rest;
  if (name === undefined || extra.length > 0) throw new LockerError('USAGE', 'exec takes one container, then the command to run', { hint: `usage: ${USAGE}` });
  const argv = cli.execArgv ?? [];
  const bad = describeBadArgv(argv);
  if (bad !== undefined) throw new LockerError('USAGE', `the command to run in ${name} ${bad}`, { hint: `usage: ${USAGE}` });
  const spec = ctx.desired.containers.find((c) => c.name === name);
  if (spec === undefined) {
    const names = ctx.desired.containers.map((c) => c.name).sort();
    throw new LockerError('CONTAINER_NOT_FOUND', `no container named ${name} in ${ctx.specFile}`, { hint: hintFor(name, names, 'containers') });
  }
  const started = Date.now();
  const result = await ctx.control.transport.exec(spec.host, { project: ctx.project, container: spec.name, lxcName: spec.lxcName, argv }, sinkOf(io));
  await recordExec(ctx, io, { host: spec.host, container: spec.name, argv, result, durationMs: Date.now() - started });
  return result.exitCode;
}

function sinkOf(io: Io): ExecSink {
  if (io.bytes !== undefined) return io.bytes;
  const text = new TextDecoder();
  return { stdout: (c) => io.out(text.decode(c)), stderr: (c) => io.err(text.decode(c)) };
}

interface ExecRecord {
  host: string;
  container: string;
  argv: string[];
  result: ExecResult;
  durationMs: number;
}

/**
 * The event log says what ran where and how it ended, never its output. After the fact and best-effort:
 * the command has run whatever the log does; a log another command is writing (an `up` in progress, in
 * embedded mode) is said in a warning, and the exit status stays the command's.
 */
async function recordExec(ctx: ProjectContext, io: Io, r: ExecRecord): Promise<void> {
  try {
    const store = await ctx.control.openStore();
    try {
      await store.append([
        {
          type: 'exec.finished',
          project: ctx.project,
          data: {
            host: r.host,
            container: r.container,
            argv: r.argv,
            exitCode: r.result.exitCode,
            ...(r.result.signal === undefined ? {} : { signal: r.result.signal }),
            durationMs: r.durationMs,
            by: { pid: process.pid, hostname: hostname() },
          },
        },
      ]);
    } finally {
      await store.close();
    }
  } catch (e) {
    io.err(`warning: the exec in ${r.container} is not in the event log: ${toLockerError(e).message}`);
  }
}
