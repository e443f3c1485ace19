// Everything a command needs about the project: the spec file, the desired state, where state lives,
// and the transport to the hosts. Reads the disk; changes nothing.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LocalAgent, defaultLxcPath } from '../../agents/index.js';
import { loadSpec, validateProjectName, type DesiredState } from '../spec/index.js';
import { LockerError } from '../errors.js';
import { InProcessTransport, type Transport } from '../transport/index.js';
import type { CliOptions } from './args.js';

export interface ProjectContext {
  /** The spec path as the user sees it (relative to the working directory when possible). */
  specFile: string;
  specDir: string;
  desired: DesiredState;
  project: string;
  lxcpath: string;
  /** Per-project state folder: event log and lock. */
  stateDir: string;
  transport: Transport;
  /** Hosts the spec places containers on. */
  hosts: string[];
}

const DEFAULT_FILES = ['locker.yml', 'locker.yaml'];

export function findSpecFile(options: Pick<CliOptions, 'file'>, cwd: string): string {
  if (options.file !== undefined) {
    const p = path.resolve(cwd, options.file);
    if (!existsSync(p)) throw new LockerError('SPEC_NOT_FOUND', `spec file ${options.file} does not exist`);
    return p;
  }
  for (const name of DEFAULT_FILES) {
    const p = path.join(cwd, name);
    if (existsSync(p)) return p;
  }
  throw new LockerError('SPEC_NOT_FOUND', `no locker.yml or locker.yaml in ${cwd}`, {
    hint: 'run locker in the folder of your spec, or pass -f FILE',
  });
}

export function displayPath(absolute: string, cwd: string): string {
  const rel = path.relative(cwd, absolute);
  return rel.startsWith('..') || rel === '' ? absolute : rel;
}

export async function loadProjectContext(options: CliOptions, cwd: string, env: NodeJS.ProcessEnv): Promise<ProjectContext> {
  const absolute = findSpecFile(options, cwd);
  const specFile = displayPath(absolute, cwd);
  const specDir = path.dirname(absolute);
  const project = options.project ?? path.basename(specDir);
  validateProjectName(project);
  const text = readFileSync(absolute, 'utf8');
  const desired = loadSpec({ text, file: specFile, project, specDir });
  const lxcpath = options.lxcpath ?? (await defaultLxcPath());
  const stateBase = env.LOCKER_STATE_DIR ? path.resolve(cwd, env.LOCKER_STATE_DIR) : path.join(specDir, '.locker');
  const transport = new InProcessTransport([new LocalAgent({ host: 'local', lxcpath })]);
  const hosts = [...new Set(desired.containers.map((c) => c.host))].sort();
  return {
    specFile,
    specDir,
    desired,
    project,
    lxcpath,
    stateDir: path.join(stateBase, project),
    transport,
    hosts: hosts.length > 0 ? hosts : ['local'],
  };
}
