// A compromised or buggy control point: the agent refuses on its own, with the spec loader's rules, any
// job whose names, paths or values the loader would refuse. A job that is not even well-typed never gets
// here: the wire refuses it (test/unit/wire.test.ts).

import { describe, expect, it } from 'vitest';
import { validateJob } from '../../agents/index.js';
import type { ActionParams, PlannedAction } from '../../plans/types.js';
import type { Job } from '../../src/transport/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';

function job(params: ActionParams, over: Partial<PlannedAction> = {}): Job {
  return makeJob(makeAction(params, over));
}

/** A job as hostile JSON: anything goes where the types say otherwise. */
function raw(params: unknown, over: Record<string, unknown> = {}): Job {
  return job(params as ActionParams, over as Partial<PlannedAction>);
}

const mounts = (hostPath: string, allowed?: string[]): ActionParams => ({
  kind: 'write-mounts',
  mounts: [{ hostPath, containerPath: '/data', readOnly: false }],
  ...(allowed === undefined ? {} : { allowed }),
});

const MARKER = 'touch /tmp/locker-marker';

describe('hostile jobs', () => {
  it.each<[string, Job, RegExp]>([
    ['a container name with command substitution', raw({ kind: 'start' }, { container: `$(${MARKER})`, lxcName: `demo_$(${MARKER})` }), /container name/],
    ['a container name with "_" (the spec never makes one)', raw({ kind: 'start' }, { container: 'a_b', lxcName: 'demo_a_b' }), /container name "a_b"/],
    ['a container name with "."', raw({ kind: 'start' }, { container: 'a.b', lxcName: 'demo_a.b' }), /container name/],
    ['a project name with a newline', raw({ kind: 'start' }, { project: 'demo\nx', lxcName: 'demo\nx_web' }), /project name "demo\\nx"/],
    ['an LXC name over 64 characters', raw({ kind: 'start' }, { project: 'p'.repeat(61), lxcName: `${'p'.repeat(61)}_web` }), /at most 64/],
    ['a template path with a semicolon', job({ kind: 'create', template: `/usr/share/lxc/templates/x;${MARKER}`, args: {} }), /template .* contains ";"/],
    ['a template name with backticks', job({ kind: 'create', template: `\`${MARKER}\``, args: {} }), /template/],
    ['a template argument starting with -', job({ kind: 'create', template: 'busybox', args: { release: '-o/tmp/locker-marker' } }), /starts with "-"/],
    ['a template argument with $(...)', job({ kind: 'create', template: 'busybox', args: { release: `$(${MARKER})` } }), /contains/],
    ['a template argument with a newline', job({ kind: 'create', template: 'busybox', args: { release: 'x\nrm' } }), /control character|NUL|contains/],
    ['an origin with a semicolon', job({ kind: 'clone', origin: `a;${MARKER}`, snapshot: false }), /origin name/],
    ['an origin starting with -', job({ kind: 'clone', origin: '-h', snapshot: false }), /origin name/],
    ['a host path with backticks', job(mounts('/srv/`id`')), /contains "`"/],
    ['a host path with a command and spaces', job(mounts(`/srv/$(${MARKER})`)), /host path/],
    ['a host path with a segment starting with -', job(mounts('/srv/-o')), /starting with "-"/],
    ['a port host address with a shell', raw({ kind: 'forward-ports', ports: [{ protocol: 'tcp', hostPort: 80, containerPort: 80, hostIp: `1.2.3.4;${MARKER}` }] }), /not an IPv4 address/],
  ])('refuses %s', (_what, j, message) => {
    const e = thrown(() => validateJob(j, 'local'));
    expect(e.code).toBe('PLAN_INVALID');
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/\n/);
    expect(e.retryable).toBe(false);
  });

  it.each(['/', '/etc', '/etc/ssl/certs', '/var/lib/lxc/x/rootfs', '/run/docker.sock', '/var', '/proc/1/root', '/root'])(
    'refuses to mount %s unless the job allows exactly that path',
    (hostPath) => {
      const e = thrown(() => validateJob(job(mounts(hostPath)), 'local'));
      expect(e.code).toBe('PLAN_INVALID');
      expect(e.message).toMatch(/host path .* mounting it would expose .*, and the job does not allow it$/);
      expect(() => validateJob(job(mounts(hostPath, [hostPath])), 'local')).not.toThrow();
      expect(() => validateJob(job(mounts(hostPath, ['/srv/other'])), 'local')).toThrow();
    },
  );

  it('refuses copy-out into a forbidden path the same way', () => {
    const j = job({ kind: 'copy-out', mounts: [{ hostPath: '/etc/cron.d', containerPath: '/etc/cron.d', readOnly: false }] });
    expect(thrown(() => validateJob(j, 'local')).message).toMatch(/inside \/etc/);
  });

  it('accepts what the planner makes from a valid spec', () => {
    for (const p of [
      mounts('/srv/demo/www'),
      mounts('/etc/ssl/certs', ['/etc/ssl/certs']),
      { kind: 'create', template: 'download', args: { dist: 'debian', release: '12', keyserver: 'hkp://keyserver.ubuntu.com:80' } },
      { kind: 'forward-ports', ports: [{ protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80 }] },
    ] as ActionParams[]) {
      expect(() => validateJob(job(p), 'local')).not.toThrow();
    }
  });
});
