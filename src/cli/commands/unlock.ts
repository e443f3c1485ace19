// `locker unlock`: releases the project lock by hand (Terraform's force-unlock), for a holder locker
// cannot prove dead (another machine, a hung process). Asks first, and the event log records it.

import { hostname } from 'node:os';
import { LockerError } from '../../errors.js';
import { describeHolder, judgeHolderHere, type LockHolder } from '../../lock/index.js';
import type { CliArgs } from '../args.js';
import { confirmChange } from '../confirm.js';
import { printJson, type Io } from '../output.js';
import type { ProjectContext } from '../project-context.js';

export async function unlockCommand(ctx: ProjectContext, cli: CliArgs, io: Io): Promise<number> {
  if (cli.rest.length > 0) throw new LockerError('USAGE', 'unlock takes no arguments', { hint: 'it releases the lock of the project of the spec (-f, -p)' });
  const entry = await ctx.control.inspectLock();
  if (entry === undefined) {
    if (cli.options.json) printJson(io, { project: ctx.project, released: false, holder: null });
    else io.out(`The lock of project ${ctx.project} is free: nothing to do.`);
    return 0;
  }
  const holder = entry.holder;
  const who = holder === undefined ? `a holder locker cannot read (${entry.where})` : describeHolder(holder);
  const dead = holder !== undefined && judgeHolderHere(holder, false).dead;
  if (!cli.options.json) {
    io.out(`The lock of project ${ctx.project} is held by ${who}${dead ? ': that process is gone' : ''}.`);
    if (!dead) io.out('If that process is still working, another command may now run at the same time as it.');
  }
  const refused = { what: 'unlock', hint: `pass --yes to release the lock held by ${who}` };
  if (!(await confirmChange(io, cli.options.yes, 'Release it?', refused))) {
    io.err('Cancelled: the lock was not released.');
    return 1;
  }
  const store = await ctx.control.openStore();
  let removed: boolean;
  try {
    // Recorded first: a release the log does not show never happens.
    await store.append([
      {
        type: 'lock.unlocked',
        project: ctx.project,
        data: {
          ...(holder === undefined ? {} : { holder: recordedHolder(holder) }),
          where: entry.where,
          by: { pid: process.pid, hostname: hostname() },
        },
      },
    ]);
    removed = await entry.remove();
  } catch (e) {
    throw writerBusy(e) ?? e;
  } finally {
    await store.close();
  }
  if (!removed) {
    throw new LockerError('LOCK_HELD', `the lock of project ${ctx.project} changed hands since it was read: nothing was released`, {
      hint: 'run `locker unlock` again to see who holds it now',
      retryable: true,
    });
  }
  if (cli.options.json) printJson(io, { project: ctx.project, released: true, holder: holder ?? null });
  else io.out(`Released the lock of project ${ctx.project} (was held by ${who}).`);
  return 0;
}

function recordedHolder(holder: LockHolder) {
  return {
    pid: holder.pid,
    hostname: holder.hostname,
    since: holder.since,
    ...(typeof holder.command === 'string' ? { command: holder.command } : {}),
  };
}

/**
 * Embedded, the event log has its own writer lock, held by a command for as long as it runs steps:
 * a holder writing the log is provably at work, not stuck, and its lock is not taken from it.
 */
function writerBusy(e: unknown): LockerError | undefined {
  if (!(e instanceof LockerError) || e.code !== 'LOCK_HELD' || !e.message.startsWith('event log is being written')) return undefined;
  return new LockerError('LOCK_HELD', `not unlocking: the ${e.message}, so it is at work, not stuck`, {
    hint: 'wait for it to finish, or stop it (Ctrl-C, or kill it): the next command then takes its lock over by itself',
    retryable: true,
    cause: e,
  });
}
