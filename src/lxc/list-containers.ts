// Every container of one lxcpath with its state and addresses, from a single `lxc-ls` run.
// The parser is pure so it is tested on captured output.

import type { ContainerState } from '../../plans/observed.js';
import { LockerError } from '../errors.js';
import { runLxc } from './run-lxc.js';

export interface ListedContainer {
  name: string;
  state: ContainerState;
  /** Init PID while running (changes on every restart). */
  pid?: number;
  ipv4: string[];
}

const STATES: ReadonlySet<string> = new Set(['RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'FROZEN', 'ABORTING']);

export const LXC_LS_FIELDS = 'NAME,STATE,PID,IPV4';

export async function listContainers(lxcpath: string): Promise<ListedContainer[]> {
  const { stdout } = await runLxc('lxc-ls', ['-P', lxcpath, '-f', '-F', LXC_LS_FIELDS], {
    subject: lxcpath,
    retryable: true,
  });
  return parseLxcLs(stdout);
}

/**
 * Parses `lxc-ls -f -F NAME,STATE,PID,IPV4`. IPV4 is last because it may hold several
 * comma-separated addresses ("10.0.3.5, 10.0.4.7"); every other column is one word.
 */
export function parseLxcLs(output: string): ListedContainer[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return []; // lxc-ls prints nothing at all for an empty lxcpath
  const header = lines[0]!.trim().split(/\s+/);
  if (header.join(',') !== LXC_LS_FIELDS) {
    throw new LockerError('LXC_COMMAND_FAILED', `unexpected lxc-ls header "${lines[0]!.trim()}"`, {
      detail: output,
    });
  }
  const containers = lines.slice(1).map((line) => parseRow(line, output));
  return containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function parseRow(line: string, output: string): ListedContainer {
  const [name, state, pid, ...rest] = line.trim().split(/\s+/);
  if (name === undefined || state === undefined || pid === undefined || rest.length === 0) {
    throw new LockerError('LXC_COMMAND_FAILED', `unreadable lxc-ls line "${line.trim()}"`, { detail: output });
  }
  const ipv4 = rest
    .join(' ')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '' && a !== '-');
  const listed: ListedContainer = { name, state: STATES.has(state) ? (state as ContainerState) : 'UNKNOWN', ipv4 };
  if (/^\d+$/.test(pid)) listed.pid = Number(pid);
  return listed;
}
