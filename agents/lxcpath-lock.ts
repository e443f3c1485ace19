// One agent per lxcpath on a machine: a lock file next to the job journal names the agent holding it.
// A holder killed with kill -9 leaves a file whose pid is dead, and the next agent takes it at once.

import path from 'node:path';
import { LockerError } from '../src/errors.js';
import { acquireLockFile, describeSelf, type HeldLock } from '../src/lock/index.js';

export const AGENT_LOCK_FILE = 'agent.lock';

export async function lockLxcpath(given: string, host: string): Promise<HeldLock> {
  const lxcpath = path.resolve(given);
  const file = path.join(lxcpath, '.locker-agent', AGENT_LOCK_FILE);
  return acquireLockFile(file, describeSelf({ host, lxcpath }), (holder) => {
    const serves = typeof holder.host === 'string' ? `host ${holder.host}` : 'a host';
    return new LockerError(
      'AGENT_DUPLICATE',
      `lxcpath ${lxcpath} already has an agent: pid ${holder.pid} on ${holder.hostname} (${serves}), since ${holder.since}`,
      {
        hint:
          `one agent per lxcpath: stop that one first (kill -TERM ${holder.pid} stops it cleanly); ` +
          `if that process is gone, the next agent takes the lock by itself (or remove ${file})`,
      },
    );
  });
}
