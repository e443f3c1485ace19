// `locker COMMAND --help` and `locker help COMMAND`: one command's usage, what it does, its options.
// Options shared by several commands are described once, in HELP's Options list, and picked from there.

import { LockerError } from '../errors.js';
import { COMMANDS, type CommandName } from './args.js';
import { HELP } from './help.js';

interface CommandHelp {
  usage: string;
  about: string;
  /** Options only this command has, or has with its own meaning: lines in HELP's format. */
  own?: string[];
  /** Long flags of shared options (`--json`), described by their line in HELP. */
  shared: string[];
}

const SPEC = ['--file', '--project', '--lxcpath', '--nats', '--creds', '--nats-replicas'];
const CHANGE = ['--yes', '--parallelism', '--lock-timeout'];
const OUTPUT = ['--json', '--debug'];

const TARGETS = 'CONTAINER... limits it to those containers of the spec';
const STOPS =
  'Each stop asks the container to shut down cleanly and kills it after its `stop_timeout` (default\n' +
  '10 s; -t overrides it, -t 0 kills at once). Stops run all at once, dependents before their dependencies.';

const HELPS: Record<Exclude<CommandName, 'help'>, CommandHelp> = {
  validate: {
    usage: 'locker validate [-f FILE]',
    about: 'Checks the spec: syntax, keys, names, ports, volumes, clones and dependencies, and clone origins\noutside the project against the hosts. Exit 0 when valid, 1 with the error and its file:line:col.',
    shared: [...SPEC, ...OUTPUT],
  },
  plan: {
    usage: 'locker plan [-o FILE] [CONTAINER...]',
    about:
      'Shows what `up` would change, step by step, with each reason and spec line: + create, ~ change,\n- destroy, > start, || stop. Changes nothing on the hosts. Exit 0: no changes, 2: changes, 1: error.\n' +
      `${TARGETS}.`,
    own: ['  -o, --out FILE      save the plan to FILE, to apply exactly it with `locker apply FILE`'],
    shared: [...SPEC, '--no-move', '--reprovision', ...OUTPUT],
  },
  apply: {
    usage: 'locker apply FILE [--yes]',
    about: 'Applies exactly the plan saved in FILE by `locker plan -o FILE`, or refuses it as stale (PLAN_STALE)\nwhen the spec or a host changed since it was made.',
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  up: {
    usage: 'locker up [--yes] [CONTAINER...]',
    about:
      "Plans and applies everything: creates, configures, starts and forwards the spec's containers, and\n" +
      `removes the project's containers that left it. ${TARGETS} (and what they clone from and depend on).\n` +
      'Provision commands run after a first start, and again only when their list changed or failed.',
    shared: [...SPEC, ...CHANGE, '--no-move', '--reprovision', ...OUTPUT],
  },
  down: {
    usage: 'locker down [--yes] [-t SECONDS]',
    about:
      "Removes the forwards of the project's containers, stops and destroys them (clones before their\norigins). The host folders of their volumes stay.\n" +
      STOPS,
    shared: [...SPEC, ...CHANGE, '--timeout', ...OUTPUT],
  },
  status: {
    usage: 'locker status',
    about: "A table of the project's containers: name, host, state, IPv4, fqdn, forwarded ports.",
    shared: [...SPEC, ...OUTPUT],
  },
  create: {
    usage: 'locker create [--yes] [CONTAINER...]',
    about: `Creates and configures the missing containers, without starting them. ${TARGETS} (and what they\nclone from).`,
    shared: [...SPEC, ...CHANGE, '--no-move', ...OUTPUT],
  },
  start: {
    usage: 'locker start [--yes] [CONTAINER...]',
    about: `Starts existing containers and forwards their ports. ${TARGETS} (and what they depend on).`,
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  stop: {
    usage: 'locker stop [--yes] [-t SECONDS] [CONTAINER...]',
    about: `Removes the forwards of running containers and stops them. ${TARGETS}.\n${STOPS}`,
    shared: [...SPEC, ...CHANGE, '--timeout', ...OUTPUT],
  },
  restart: {
    usage: 'locker restart [--yes] [-t SECONDS] [CONTAINER...]',
    about:
      'Stops running containers and starts them again (a stopped one is started), then forwards their ports.\n' +
      `Dependents start after what they depend on. ${TARGETS}.\n${STOPS}`,
    shared: [...SPEC, ...CHANGE, '--timeout', ...OUTPUT],
  },
  rm: {
    usage: 'locker rm [--yes] [-t SECONDS] [CONTAINER...]',
    about: `Removes containers: forwards, stop, destroy. The host folders of their volumes stay. ${TARGETS}.\n${STOPS}`,
    shared: [...SPEC, ...CHANGE, '--timeout', ...OUTPUT],
  },
  ports: {
    usage: 'locker ports [--yes] [CONTAINER...]',
    about: `Forwards the ports of running containers as the spec says. ${TARGETS}.`,
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  rmports: {
    usage: 'locker rmports [--yes] [CONTAINER...]',
    about: `Removes the port forwards of containers; they keep running. ${TARGETS}.`,
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  freeze: {
    usage: 'locker freeze [--yes] [CONTAINER...]',
    about:
      'Freezes running containers (lxc-freeze): every process in them is suspended, memory kept; `status`\n' +
      'shows FROZEN. A container named that is not running is an error; unnamed ones that are not are left\n' +
      'alone. `unfreeze`, `up` and `start` thaw a frozen container; stop, restart, rm and down thaw it first.\n' +
      `${TARGETS}.`,
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  unfreeze: {
    usage: 'locker unfreeze [--yes] [CONTAINER...]',
    about: `Thaws frozen containers (lxc-unfreeze), frozen by \`locker freeze\` or by hand; others are left alone. ${TARGETS}.`,
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  exec: {
    usage: 'locker exec CONTAINER [--] COMMAND [ARG...]',
    about:
      'Runs COMMAND inside a running container of the spec (lxc-attach --clear-env: PATH and container=lxc are\n' +
      'its only environment; cwd /; no stdin, no TTY), over NATS through its host\'s agent. Its output passes\n' +
      'through, and locker exits with its exit status (128+N when it died of signal N), or with 125 when Locker\n' +
      'could not run it (CONTAINER_NOT_FOUND, CONTAINER_NOT_RUNNING, AGENT_OFFLINE). Every word after CONTAINER\n' +
      'is the command\'s. The event log records the command and its exit status (exec.finished), never its output.',
    shared: [...SPEC, '--debug'],
  },
  runs: {
    usage: 'locker runs',
    about: "The project's runs, from its event log: when, outcome, steps succeeded, failed and skipped, command.",
    shared: [...SPEC, ...OUTPUT],
  },
  show: {
    usage: 'locker show RUN',
    about: "One run's steps: state, attempts, duration and error. RUN is a run id or a unique prefix of one.",
    shared: [...SPEC, ...OUTPUT],
  },
  retry: {
    usage: 'locker retry [RUN] [--yes]',
    about:
      'Runs again the steps of a run that failed, were skipped or never finished, in dependency order, each\n' +
      'with a new attempt number; nothing that succeeded runs again. Default RUN: the latest failed or unfinished run.',
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  resume: {
    usage: 'locker resume [RUN] [--yes]',
    about:
      'Finishes a run whose control point died (kill -9, power loss), from the event log: steps in flight are\n' +
      'dispatched again with the same attempt. Default RUN: the latest unfinished run.',
    shared: [...SPEC, ...CHANGE, ...OUTPUT],
  },
  unlock: {
    usage: 'locker unlock [--yes]',
    about:
      "Releases the project's lock by hand (Terraform's force-unlock), after showing its holder and asking;\n" +
      'the event log records it. A lock whose holder is provably dead (this machine, process gone) needs no\n' +
      'unlock: the next command takes it over with a warning. Without a terminal, --yes is required.',
    shared: [...SPEC, '--yes', ...OUTPUT],
  },
  agent: {
    usage: 'locker agent --host NAME --nats URL [--creds FILE] [-P LXCPATH]',
    about:
      "Runs the agent of one host: takes the host's jobs from NATS, answers observe requests, heartbeats.\n" +
      'Stops cleanly on SIGTERM or Ctrl-C. Run as root on the host, with the credentials nats-config wrote for it.',
    own: ['      --host NAME     the host this agent serves, as the spec names it in `host:`'],
    shared: ['--nats', '--creds', '--lxcpath', '--debug'],
  },
  hosts: {
    usage: 'locker hosts --nats URL [--creds FILE]',
    about: 'The agents that reported to NATS: host, last heartbeat, up or down.',
    shared: ['--nats', '--creds', '--nats-replicas', ...OUTPUT],
  },
  'nats-config': {
    usage: 'locker nats-config --host A,B,C [-o DIR] [--nats URL] [--store DIR] [--cluster]',
    about:
      'Writes a nats-server configuration with JetStream, one user per agent whose permissions cover only\n' +
      "that host's subjects, and one user for the control point; and their credentials files (mode 0600).\n" +
      'Passwords already in DIR are kept. After adding a host, run it again with the longer --host list and\n' +
      'make the running server re-read its users: nats-server --signal reload=PID (or kill -HUP PID).\n' +
      'A new --store or listen address needs a restart of the server.\n' +
      'With --cluster: nats-server-N.conf per server (named locker-N, routes on its client port + 2000, JetStream\n' +
      'in STORE/locker-N) and route.creds, the password the servers share; give clients all the URLs.',
    own: [
      '      --host A,B,C    the agents\' host names (comma-separated)',
      '  -o, --out DIR       the folder to write to (default: ./nats)',
      '      --nats URL      where the server listens (default: nats://0.0.0.0:4222)',
      '      --store DIR     where JetStream keeps its streams and buckets (default: DIR/jetstream)',
      '      --cluster       one config per server of a cluster, the servers listed in --nats (default: 127.0.0.1:4222-4224)',
    ],
    shared: ['--json'],
  },
  version: {
    usage: 'locker version',
    about: "Prints Locker's version (also: locker --version).",
    shared: [],
  },
};

/** HELP's line for a shared option, found by its long flag. */
function sharedLine(flag: string): string {
  const options = HELP.slice(HELP.indexOf('\nOptions:\n'));
  // The flag ends at a space: `--nats` is not `--nats-replicas`.
  const line = options.split('\n').find((l) => new RegExp(`^\\s+(-\\w, )?${flag}(\\s|$)`).test(l));
  if (line === undefined) throw new LockerError('INTERNAL', `no line for ${flag} in the general help`);
  return line;
}

/** The help of one command, or of them all; an unknown command is a usage error. */
export function helpFor(topic: string | undefined): string {
  if (topic === undefined || topic === 'help') return HELP;
  if (!(COMMANDS as readonly string[]).includes(topic)) {
    throw new LockerError('USAGE', `unknown command "${topic}"`, { hint: `commands: ${COMMANDS.join(', ')}` });
  }
  const help = HELPS[topic as Exclude<CommandName, 'help'>];
  const options = [...(help.own ?? []), ...help.shared.map(sharedLine)];
  return [
    `Usage: ${help.usage}`,
    '',
    help.about,
    ...(options.length === 0 ? [] : ['', 'Options:', ...options]),
    '',
    'All commands: locker help',
  ].join('\n');
}
