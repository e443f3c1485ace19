// Whether a lock's holder is provably dead, and how to name it to a user. Pure: the caller probes
// the machine (see holder.ts) and passes what it found.

import type { LockHolder } from './holder.js';

/** This machine, as a holder written here would name it. */
export interface Here {
  hostname: string;
  /** /etc/machine-id, when the machine has one. */
  machineId?: string;
  /** /proc/sys/kernel/random/boot_id: changes at every boot. */
  bootId?: string;
  pid: number;
}

/** What the machine says about a pid now. */
export interface ProcessProbe {
  alive: boolean;
  /** Start time of the process now behind that pid (clock ticks since boot), when known. */
  startTicks?: number;
}

export type DeathReason = 'pid-gone' | 'previous-boot' | 'pid-reused';

export type Verdict = { dead: false } | { dead: true; reason: DeathReason };

/**
 * A holder is dead only when this machine can prove it: the holder names this machine and its
 * process is gone, or ran in an earlier boot, or its pid now belongs to a younger process.
 * A holder on another machine cannot be checked from here, so it counts as alive. `ownedHere`:
 * whether this process took that exact lock (a pid equal to ours may be a previous boot's).
 */
export function judgeHolder(holder: LockHolder, here: Here, ownedHere: boolean, probe: (pid: number) => ProcessProbe): Verdict {
  if (holder.hostname !== here.hostname) return { dead: false };
  const machineId = stringField(holder, 'machineId');
  // Same host name, another machine (two "debian" boxes sharing a NATS server): nothing provable.
  if (machineId !== undefined && here.machineId !== undefined && machineId !== here.machineId) return { dead: false };
  const bootId = stringField(holder, 'bootId');
  // Boot ids are compared only between holders known to be of this very machine.
  if (machineId !== undefined && machineId === here.machineId && bootId !== undefined && here.bootId !== undefined && bootId !== here.bootId) {
    return { dead: true, reason: 'previous-boot' };
  }
  if (holder.pid === here.pid) return ownedHere ? { dead: false } : { dead: true, reason: 'pid-reused' };
  const now = probe(holder.pid);
  if (!now.alive) return { dead: true, reason: 'pid-gone' };
  const started = holder.startTicks;
  if (typeof started === 'number' && now.startTicks !== undefined && now.startTicks !== started) return { dead: true, reason: 'pid-reused' };
  return { dead: false };
}

/**
 * `pid 42 on box (locker up web) since 2026-...`: the holder as messages name it. `localHost`: a
 * holder on that host is named without it (a lock file on this machine).
 */
export function describeHolder(holder: LockHolder, localHost?: string): string {
  const where = holder.hostname === localHost ? '' : ` on ${holder.hostname}`;
  const command = typeof holder.command === 'string' ? ` (${asLockerCommand(holder.command)})` : '';
  return `pid ${holder.pid}${where}${command} since ${holder.since}`;
}

const BECAUSE: Record<DeathReason, string> = {
  'pid-gone': 'that process is gone',
  'previous-boot': 'it ran before this machine restarted',
  'pid-reused': 'its pid now belongs to another process',
};

/** The warning a command prints when it took over the lock of a dead holder. */
export function describeTakeover(what: string, holder: LockHolder, reason: DeathReason): string {
  return `warning: took over ${what} from ${describeHolder(holder)}: ${BECAUSE[reason]}`;
}

export function asLockerCommand(command: string): string {
  return command === 'locker' || command.startsWith('locker ') ? command : `locker ${command}`;
}

function stringField(holder: LockHolder, field: string): string | undefined {
  const value = holder[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
