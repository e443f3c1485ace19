// Starting a container and waiting until LXC reports it RUNNING.
// On failure the error carries the tail of LXC's own log: lxc-start alone only says "failed to start".

import { rm } from 'node:fs/promises';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { startLogPath } from './container-paths.js';
import { runLxc } from './run-lxc.js';

const LOG_TAIL_LINES = 20;

export async function startContainer(lxcpath: string, name: string): Promise<void> {
  const log = startLogPath(lxcpath, name);
  await rm(log, { force: true });
  try {
    await runLxc('lxc-start', ['-P', lxcpath, '-n', name, '-o', log, '-l', 'ERROR'], { retryable: true });
  } catch (e) {
    if (e instanceof LockerError) throw withLogTail(e, await readTail(log));
    throw e;
  }
  await runLxc('lxc-wait', ['-P', lxcpath, '-n', name, '-s', 'RUNNING', '-t', '30'], { retryable: true });
}

async function readTail(file: string): Promise<string> {
  const text = await readTextIfExists(file);
  return text === undefined ? '' : text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

function withLogTail(e: LockerError, tail: string): LockerError {
  if (tail === '') return e;
  return new LockerError(e.code, e.message, {
    hint: e.hint ?? 'a missing bind-mount source or a bad lxc.* key are the usual causes; see the log in detail',
    retryable: e.retryable,
    detail: `${e.detail ?? ''}\nlxc log:\n${tail}`,
    cause: e.cause,
  });
}
