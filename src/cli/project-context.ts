// Everything a command needs about the project: the spec file, the desired state, where state lives,
// and the transport to the hosts. Reads the disk; changes nothing.

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { assertSpecBytes, loadSpec, validateProjectName, type DesiredState } from '../spec/index.js';
import { LockerError } from '../errors.js';
import type { CliOptions } from './args.js';
import { openEmbeddedControlPoint, openNatsControlPoint, type ControlPoint } from './control-point.js';

export interface ProjectContext {
  /** The spec path as the user sees it (relative to the working directory when possible). */
  specFile: string;
  specDir: string;
  desired: DesiredState;
  project: string;
  /** Per-project state folder (embedded mode: event log and lock). */
  stateDir: string;
  /** Hosts the spec places containers on. */
  hosts: string[];
  control: ControlPoint;
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
  // A huge file is refused before it is read into memory.
  assertSpecBytes(statSync(absolute).size, specFile);
  const text = readFileSync(absolute, 'utf8');
  const nats = options.nats;
  const desired = loadSpec({ text, file: specFile, project, specDir, requireHost: nats !== undefined });
  const stateBase = env.LOCKER_STATE_DIR ? path.resolve(cwd, env.LOCKER_STATE_DIR) : path.join(specDir, '.locker');
  const stateDir = path.join(stateBase, project);
  const used = [...new Set(desired.containers.map((c) => c.host))].sort();
  const hosts = used.length > 0 || nats !== undefined ? used : ['local'];
  const control =
    nats === undefined
      ? await openEmbeddedControlPoint(options, project, stateDir)
      : await openNatsControlPoint({ ...options, nats }, project, hosts);
  return { specFile, specDir, desired, project, stateDir, hosts, control };
}
