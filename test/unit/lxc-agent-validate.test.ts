// The agent's own checks of a job (before anything runs), and the overlay merge rule of copy-out.

import { describe, expect, it } from 'vitest';
import { validateJob } from '../../agents/index.js';
import { visibleSources, type LayerEntry } from '../../agents/layered-copy.js';
import type { ActionParams, PlannedAction } from '../../plans/types.js';
import type { LockerError } from '../../src/errors.js';
import type { Job } from '../../src/transport/types.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';

function job(params: ActionParams, over: Partial<PlannedAction> = {}): Job {
  return makeJob(makeAction(params, over));
}

function refusal(j: Job, host = 'local'): LockerError {
  return thrown(() => validateJob(j, host));
}

const mount = (hostPath: string, containerPath: string) => ({
  kind: 'write-mounts' as const,
  mounts: [{ hostPath, containerPath, readOnly: false }],
});

describe('validateJob', () => {
  it('accepts well-formed jobs of every kind', () => {
    const ok: ActionParams[] = [
      { kind: 'create', template: 'busybox', args: { release: 'bookworm' } },
      { kind: 'create', template: '/usr/local/share/tpl/my-template', args: {} },
      { kind: 'clone', origin: 'demo_base', snapshot: true },
      { kind: 'copy-out', mounts: [{ hostPath: '/srv/demo/www', containerPath: '/var/www', readOnly: true }] },
      mount('/srv/demo/app.ini', '/etc/app.ini'),
      { kind: 'install-hostname-hook', fqdn: 'web.example.net' },
      { kind: 'install-hostname-hook' },
      { kind: 'forward-ports', ports: [{ protocol: 'udp', hostPort: 5353, containerPort: 53 }] },
      { kind: 'start' },
      { kind: 'stop' },
      { kind: 'stop', timeoutSeconds: 0 },
      { kind: 'stop', timeoutSeconds: 86_400 },
      { kind: 'destroy' },
      { kind: 'unforward-ports' },
    ];
    for (const p of ok) expect(() => validateJob(job(p), 'local')).not.toThrow();
  });

  it('refuses a job addressed to another host, naming both', () => {
    const e = refusal(job({ kind: 'start' }, { host: 'b' }), 'a');
    expect(e.code).toBe('HOST_PRECONDITION');
    expect(e.message).toBe('job for host b sent to a');
  });

  it.each([
    ['an lxc name that is not project_container', job({ kind: 'start' }, { lxcName: 'demo_db' }), /is not "demo_web"/],
    ['a container name with a slash', job({ kind: 'start' }, { container: '../x', lxcName: 'demo_../x' }), /container name/],
    ['a project name starting with a dash', job({ kind: 'start' }, { project: '-rf', lxcName: '-rf_web' }), /project name/],
    ['params of another kind', job({ kind: 'stop' }, { kind: 'start' }), /params are for "stop"/],
    ['a relative host path', job(mount('srv/x', '/x')), /host path "srv\/x"/],
    ['a host path with ..', job(mount('/srv/../etc', '/x')), /host path/],
    ['a container path with a space', job(mount('/srv/x', '/x y')), /container path/],
    ['a container path with a newline', job(mount('/srv/x', '/x\nlxc.cap.drop = all')), /container path/],
    ['a host path with #', job(mount('/srv/#x', '/x')), /host path/],
    ['a host path with a comma', job(mount('/srv/a,b', '/x')), /host path/],
    ['a host path with NUL', job(mount('/srv/a\0', '/x')), /host path/],
    ['a mount over the container root', job(mount('/srv/x', '/')), /container's \//],
    ['an fqdn with shell in it', job({ kind: 'install-hostname-hook', fqdn: 'a;reboot' }), /not a DNS name/],
    ['an fqdn label ending with a dash', job({ kind: 'install-hostname-hook', fqdn: 'web-.example' }), /not a DNS name/],
    ['an empty fqdn label', job({ kind: 'install-hostname-hook', fqdn: 'web..example' }), /not a DNS name/],
    ['a template that is a relative path', job({ kind: 'create', template: '../t', args: {} }), /template/],
    ['a template argument that looks like an option', job({ kind: 'create', template: 'busybox', args: { '-x': '1' } }), /argument name/],
    ['a clone of itself', job({ kind: 'clone', origin: 'demo_web', snapshot: false }), /from itself/],
    ['an origin name with a space', job({ kind: 'clone', origin: 'a b', snapshot: false }), /origin name/],
    ['a negative stop timeout', job({ kind: 'stop', timeoutSeconds: -1 }), /stop timeout -1 is not a whole number of seconds/],
    ['a fractional stop timeout', job({ kind: 'stop', timeoutSeconds: 1.5 }), /stop timeout 1.5/],
    ['a stop timeout beyond a day', job({ kind: 'stop', timeoutSeconds: 86_401 }), /stop timeout 86401/],
    ['a stop timeout that is text', job({ kind: 'stop', timeoutSeconds: '10' as unknown as number }), /stop timeout "10"/],
    ['port 0', job({ kind: 'forward-ports', ports: [{ protocol: 'tcp', hostPort: 0, containerPort: 80 }] }), /not a port/],
  ])('refuses %s', (_what, j, message) => {
    const e = refusal(j);
    expect(e.code).toBe('PLAN_INVALID');
    expect(e.message).toMatch(message);
    expect(e.retryable).toBe(false);
  });
});

describe('visibleSources (overlay merge for copy-out)', () => {
  const dir = (path: string): LayerEntry => ({ kind: 'dir', path });
  const file = (path: string): LayerEntry => ({ kind: 'file', path });
  const absent: LayerEntry = { kind: 'absent' };
  const hidden: LayerEntry = { kind: 'hidden' };

  it.each<[string, LayerEntry[], ReturnType<typeof visibleSources>]>([
    ['a plain directory rootfs', [dir('/o/etc')], { kind: 'dir', paths: ['/o/etc'] }],
    ['directories in both layers merge bottom-up', [dir('/o/etc'), dir('/d/etc')], { kind: 'dir', paths: ['/o/etc', '/d/etc'] }],
    ['only the origin has it', [dir('/o/etc'), absent], { kind: 'dir', paths: ['/o/etc'] }],
    ['only the delta has it', [absent, file('/d/f')], { kind: 'file', paths: ['/d/f'] }],
    ['the delta whited it out', [dir('/o/etc'), hidden], undefined],
    ['a file in the delta replaces a directory', [dir('/o/x'), file('/d/x')], { kind: 'file', paths: ['/d/x'] }],
    ['a directory in the delta replaces a file', [file('/o/x'), dir('/d/x')], { kind: 'dir', paths: ['/d/x'] }],
    ['nowhere', [absent, absent], undefined],
  ])('%s', (_what, entries, expected) => {
    expect(visibleSources(entries)).toEqual(expected);
  });
});
