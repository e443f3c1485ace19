// The command line as data: `locker [COMMAND] [-f FILE] [-p PROJECT] [-P LXCPATH] [--json] [--yes] [--parallelism N] [--lock-timeout S] [-t SECONDS] [CONTAINER...]`.
// This contract is what users' scripts rely on: extend it, never rename.

import { parseArgs } from 'node:util';
import { LockerError } from '../errors.js';
import { LOCK_LEASE_MS } from '../lock/lease.js';
import { parseReplicas, type NatsReplicas } from '../nats/replicas.js';
import { isStopTimeout, STOP_TIMEOUT_RULE } from '../rules/stop-timeout.js';

export const COMMANDS = [
  'validate', 'plan', 'apply', 'up', 'down', 'status',
  'create', 'start', 'stop', 'restart', 'rm', 'ports', 'rmports', 'freeze', 'unfreeze', 'exec',
  'runs', 'show', 'retry', 'resume', 'unlock', 'agent', 'hosts', 'nats-config', 'help', 'version',
] as const;
export type CommandName = (typeof COMMANDS)[number];

export interface CliOptions {
  file?: string;
  project?: string;
  lxcpath?: string;
  json: boolean;
  yes: boolean;
  parallelism: number;
  /** How long a changing command waits for a project lock a live process holds; 0: refuse at once. */
  lockTimeoutMs: number;
  out?: string;
  move: boolean;
  debug: boolean;
  /**
   * NATS server URL (env LOCKER_NATS_URL): drive hosts through their agents instead of in-process.
   * Several servers of one cluster: comma-separated.
   */
  nats?: string;
  /** Replicas of Locker's streams and buckets (env LOCKER_NATS_REPLICAS): `auto` (default) or 1 to 5. */
  natsReplicas: NatsReplicas;
  /** `nats-config`: one configuration per server of a cluster (the servers listed in --nats). */
  cluster: boolean;
  /** NATS credentials file written by `locker nats-config` (env LOCKER_NATS_CREDS). */
  creds?: string;
  /** `nats-config`: where JetStream keeps its data (the server config's `jetstream.store_dir`). */
  store?: string;
  /** `agent`: the host this agent serves. `nats-config`: comma-separated hosts. */
  host?: string;
  /** `-t SECONDS` of down, stop, rm, restart: how long every stop waits before killing, over stop_timeout. */
  stopTimeout?: number;
  /** `--reprovision` of up and plan: run every provision list again. */
  reprovision: boolean;
}

/** The commands whose stops `-t/--timeout` governs. */
export const TIMEOUT_COMMANDS: readonly CommandName[] = ['down', 'stop', 'rm', 'restart'];

export interface CliArgs {
  command: CommandName;
  /** Positionals after the command: container names, or the plan file / run id. */
  rest: string[];
  options: CliOptions;
  /** `exec`: the command to run, every word after the container (a leading `--` dropped), never parsed. */
  execArgv?: string[];
}

const OPTIONS = {
  file: { type: 'string', short: 'f' },
  project: { type: 'string', short: 'p' },
  lxcpath: { type: 'string', short: 'P' },
  json: { type: 'boolean' },
  yes: { type: 'boolean', short: 'y' },
  parallelism: { type: 'string' },
  'lock-timeout': { type: 'string' },
  out: { type: 'string', short: 'o' },
  'no-move': { type: 'boolean' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  nats: { type: 'string' },
  creds: { type: 'string' },
  host: { type: 'string' },
  'nats-replicas': { type: 'string' },
  cluster: { type: 'boolean' },
  store: { type: 'string' },
  timeout: { type: 'string', short: 't' },
  reprovision: { type: 'boolean' },
} as const satisfies NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** Options followed by a value of their own (`-f FILE`): the word after them is not a positional. */
const VALUED = new Set(
  Object.entries(OPTIONS).flatMap(([name, o]) => (o.type === 'string' ? [`--${name}`, ...('short' in o ? [`-${o.short}`] : [])] : [])),
);

/**
 * `locker [OPTIONS] exec [OPTIONS] CONTAINER [--] COMMAND...`: Locker's own words end at the container;
 * what follows is the command's, options included (`ls -la`), as `docker exec` reads it.
 */
export function splitExec(argv: readonly string[]): { own: string[]; execArgv?: string[] } {
  let seen = 0;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      // Every word after it is a positional: the ones still missing (exec, the container), then the command.
      const container = i + 2 - seen;
      if ((seen === 0 && argv[i + 1] !== 'exec') || container >= argv.length) return { own: [...argv] };
      return { own: argv.slice(0, container + 1), execArgv: argv.slice(container + 1) };
    }
    if (word.startsWith('-') && word !== '-') {
      if (VALUED.has(word)) i++;
      continue;
    }
    seen++;
    if (seen === 1 && word !== 'exec') return { own: [...argv] };
    if (seen === 2) {
      const after = argv.slice(i + 1);
      return { own: argv.slice(0, i + 1), execArgv: after[0] === '--' ? after.slice(1) : after };
    }
  }
  return { own: [...argv] };
}

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliArgs {
  const { own, execArgv } = splitExec(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: own, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw new LockerError('USAGE', (e as Error).message, { hint: 'run `locker help` for the commands and options' });
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;
  let command: CommandName = 'help';
  if (values.version) command = 'version';
  else if (first !== undefined && !values.help) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new LockerError('USAGE', `unknown command "${first}"`, { hint: `commands: ${COMMANDS.join(', ')}` });
    }
    command = first as CommandName;
  }
  const parallelismText = values.parallelism ?? env.LOCKER_PARALLELISM ?? '4';
  const parallelism = Number(parallelismText);
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > 256) {
    throw new LockerError('USAGE', `--parallelism must be an integer from 1 to 256, got "${parallelismText}"`);
  }
  const lockTimeoutText = values['lock-timeout'] ?? String(LOCK_LEASE_MS / 1000);
  const lockTimeout = Number(lockTimeoutText);
  if (lockTimeoutText.trim() === '' || !Number.isFinite(lockTimeout) || lockTimeout < 0 || lockTimeout > 86_400) {
    throw new LockerError('USAGE', `--lock-timeout must be a number of seconds from 0 to 86400, got "${lockTimeoutText}"`);
  }
  const stopTimeout = parseStopTimeout(values.timeout, command);
  if (values.reprovision && command !== 'up' && command !== 'plan' && command !== 'help') {
    throw new LockerError('USAGE', `--reprovision applies to up and plan, not ${command}`, {
      hint: '`locker up --reprovision` runs every provision list of the spec again (`locker up --reprovision NAME` only NAME\'s)',
    });
  }
  return {
    command,
    // `locker CMD --help` is `locker help CMD`: the command is the topic, and nothing runs.
    rest: first === undefined ? [] : command === 'help' && first !== 'help' ? [first] : rest,
    options: {
      file: values.file,
      project: values.project ?? env.LOCKER_PROJECT,
      lxcpath: values.lxcpath ?? (env.LOCKER_LXCPATH || undefined),
      json: values.json ?? false,
      yes: values.yes ?? false,
      parallelism,
      lockTimeoutMs: Math.round(lockTimeout * 1000),
      out: values.out,
      move: !(values['no-move'] ?? false),
      debug: values.debug ?? false,
      nats: values.nats ?? (env.LOCKER_NATS_URL || undefined),
      creds: values.creds ?? (env.LOCKER_NATS_CREDS || undefined),
      host: values.host,
      natsReplicas: parseReplicas(values['nats-replicas'] ?? (env.LOCKER_NATS_REPLICAS || 'auto')),
      cluster: values.cluster ?? false,
      store: values.store,
      reprovision: values.reprovision ?? false,
      ...(stopTimeout === undefined ? {} : { stopTimeout }),
    },
    ...(execArgv === undefined || command !== 'exec' ? {} : { execArgv }),
  };
}

function parseStopTimeout(text: string | undefined, command: CommandName): number | undefined {
  if (text === undefined || command === 'help') return undefined;
  if (!TIMEOUT_COMMANDS.includes(command)) {
    throw new LockerError('USAGE', `--timeout applies to ${TIMEOUT_COMMANDS.join(', ')}, not ${command}`, {
      hint: 'set `stop_timeout:` in the spec for the stops other commands plan',
    });
  }
  const seconds = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!isStopTimeout(seconds)) throw new LockerError('USAGE', `--timeout must be ${STOP_TIMEOUT_RULE}, got "${text}"`);
  return seconds;
}
