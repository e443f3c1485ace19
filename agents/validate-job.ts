// An agent checks every job on its own before touching anything: the job may come from another machine.
// Pure checks; a job that fails them is refused whole, nothing of it runs.

import path from 'node:path/posix';
import type { MountParams, PlannedAction } from '../plans/types.js';
import { LockerError } from '../src/errors.js';
import type { Job } from '../src/transport/types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const TEMPLATE_ARG = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const DNS_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Whitespace and '#' break LXC's config syntax, ',' its mount options, NUL every syscall.
const BAD_PATH_CHARS = /[\s#,\0]/;

export function validateJob(job: Job, host: string): void {
  const a = job.action;
  if (a.host !== host) {
    throw new LockerError('HOST_PRECONDITION', `job for host ${a.host} sent to ${host}`, {
      hint: 'the transport routed a job to the wrong agent',
    });
  }
  checkName(a, 'project', a.project);
  checkName(a, 'container', a.container);
  if (a.lxcName !== `${a.project}_${a.container}`) {
    throw invalid(a, `lxc name "${a.lxcName}" is not "${a.project}_${a.container}"`);
  }
  if (a.kind !== a.params.kind) throw invalid(a, `params are for "${a.params.kind}", not "${a.kind}"`);
  checkParams(a);
}

function checkParams(a: PlannedAction): void {
  const p = a.params;
  switch (p.kind) {
    case 'create':
      if (!(TEMPLATE_NAME.test(p.template) || isCleanAbsolute(p.template))) {
        throw invalid(a, `template "${p.template}" is neither a name nor an absolute path`);
      }
      for (const [key, value] of Object.entries(p.args)) {
        if (!TEMPLATE_ARG.test(key)) throw invalid(a, `template argument name "${key}" is not allowed`);
        if (value.includes('\0')) throw invalid(a, `template argument ${key} holds a NUL byte`);
      }
      return;
    case 'clone':
      checkName(a, 'origin', p.origin);
      if (p.origin === a.lxcName) throw invalid(a, 'a container cannot be cloned from itself');
      return;
    case 'copy-out':
    case 'write-mounts':
      p.mounts.forEach((m, i) => checkMount(a, m, i));
      return;
    case 'install-hostname-hook':
      if (p.fqdn !== undefined && !isDnsName(p.fqdn)) throw invalid(a, `fqdn "${p.fqdn}" is not a DNS name`);
      return;
    case 'forward-ports':
      p.ports.forEach((port, i) => {
        for (const n of [port.hostPort, port.containerPort]) {
          if (!Number.isInteger(n) || n < 1 || n > 65535) throw invalid(a, `ports[${i}]: ${n} is not a port`);
        }
        if (port.protocol !== 'tcp' && port.protocol !== 'udp') {
          throw invalid(a, `ports[${i}]: protocol "${String(port.protocol)}" is not tcp or udp`);
        }
      });
      return;
    case 'start':
    case 'stop':
    case 'destroy':
    case 'unforward-ports':
      return;
  }
}

function checkMount(a: PlannedAction, m: MountParams, i: number): void {
  for (const [what, p] of [
    ['host path', m.hostPath],
    ['container path', m.containerPath],
  ] as const) {
    if (!isCleanAbsolute(p)) {
      throw invalid(a, `mounts[${i}]: ${what} "${p}" must be absolute, without "..", whitespace, "#", "," or NUL`);
    }
  }
  if (path.normalize(m.containerPath) === '/') throw invalid(a, `mounts[${i}]: cannot mount over the container's /`);
}

export function isCleanAbsolute(p: string): boolean {
  return p.startsWith('/') && !BAD_PATH_CHARS.test(p) && !p.split('/').includes('..');
}

export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((label) => DNS_LABEL.test(label));
}

function checkName(a: PlannedAction, what: string, value: string): void {
  if (!NAME.test(value)) throw invalid(a, `${what} name "${value}" is not allowed (letters, digits, _ . -)`);
}

function invalid(a: PlannedAction, what: string): LockerError {
  return new LockerError('PLAN_INVALID', `job ${a.id} refused: ${what}`, {
    hint: 'the agent checks every job itself; nothing of this job ran',
  });
}
