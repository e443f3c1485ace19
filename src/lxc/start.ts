// Starting a container: lxc-start returns once the container is RUNNING (a daemonized start waits for the
// state its monitor reports, and fails on any other), so no lxc-wait follows it.
// On failure the error carries the tail of LXC's own log: lxc-start alone only says "failed to start".

import { rm } from 'node:fs/promises';
import { LockerError } from '../errors.js';
import { readTextIfExists } from '../files/read-text-if-exists.js';
import { startLogPath } from './container-paths.js';
import { runLxc } from './run-lxc.js';

const LOG_TAIL_LINES = 20;

/**
 * `already-running`: lxc-start found the container not stopped, said so and exited 0 (LXC's own choice),
 * without starting anything; the caller asks what state it is in.
 */
export async function startContainer(lxcpath: string, name: string): Promise<'started' | 'already-running'> {
  const log = startLogPath(lxcpath, name);
  await rm(log, { force: true });
  let stderr: string;
  try {
    ({ stderr } = await runLxc('lxc-start', ['-P', lxcpath, '-n', name, '-o', log, '-l', 'ERROR'], { retryable: true }));
  } catch (e) {
    if (e instanceof LockerError) throw withLogTail(e, await readTail(log));
    throw e;
  }
  return ALREADY_RUNNING.test(stderr) ? 'already-running' : 'started';
}

/** lxc-start's message (LC_ALL=C) when the container is not stopped. */
const ALREADY_RUNNING = /Container is already running/;

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
