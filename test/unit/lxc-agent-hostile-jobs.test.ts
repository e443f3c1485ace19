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
    ['a config value with a newline and a hook', job({ kind: 'set-config', lines: [{ key: 'lxc.arch', value: `x86_64\nlxc.hook.start-host = /bin/sh -c "${MARKER}"` }] }), /value of lxc.arch contains control character U\+000A/],
    ['a config value with a carriage return', job({ kind: 'set-config', lines: [{ key: 'lxc.tty.max', value: '4\rlxc.include = /etc/shadow' }] }), /control character U\+000D/],
    ['a config key with "=" in it', job({ kind: 'set-config', lines: [{ key: 'lxc.arch = x86_64\nlxc.hook.start', value: '/bin/true' }] }), /key .* is not an LXC key/],
    ['a config key with spaces', job({ kind: 'set-config', lines: [{ key: 'lxc.init.cmd /bin/sh', value: 'x' }] }), /key .* is not an LXC key/],
    ['a config key LXC does not know', job({ kind: 'set-config', lines: [{ key: 'lxc.evil', value: 'x' }] }), /"lxc.evil" is not a key LXC accepts/],
    ['a host hook not allowed', job({ kind: 'set-config', lines: [{ key: 'lxc.hook.pre-start', value: `/bin/sh -c "${MARKER}"` }] }), /lxc.hook.pre-start runs a program on the host, and the job does not allow it/],
    ['a mount entry not allowed', job({ kind: 'set-config', lines: [{ key: 'lxc.mount.entry', value: '/ host none bind 0 0' }] }), /mounts host file systems/],
    ['AppArmor turned off, allowed for another key', job({ kind: 'set-config', lines: [{ key: 'lxc.apparmor.profile', value: 'unconfined' }], allowed: ['lxc.mount.entry'] }), /turns AppArmor off/],
    ['clearing the dropped capabilities', job({ kind: 'set-config', lines: [{ key: 'lxc.cap.drop', value: '' }] }), /clears the capabilities/],
    ['a second network interface (Locker owns the network)', job({ kind: 'set-config', lines: [{ key: 'lxc.net.1.script.up', value: '/tmp/x' }], allowed: ['lxc.net.1.script.up'] }), /Locker's own/],
    ['a key twice that LXC reads once', job({ kind: 'set-config', lines: [{ key: 'lxc.arch', value: 'x86_64' }, { key: 'lxc.arch', value: 'i686' }] }), /takes one value/],
    ['an allowance that is no key', job({ kind: 'set-config', lines: [], allowed: ['lxc.hook.start\nlxc.include'] }), /allowed key/],
    ['a nameserver with a resolver option after a newline', job({ kind: 'set-dns', nameservers: ['8.8.8.8\noptions ndots:15'] }), /not an IP address/],
    ['a nameserver that is a name', job({ kind: 'set-dns', nameservers: ['evil.example'] }), /not an IP address/],
    ['an unresolved placeholder', job({ kind: 'set-dns', nameservers: ['$copy'] }), /not an IP address/],
    ['four nameservers', job({ kind: 'set-dns', nameservers: ['1.1.1.1', '8.8.8.8', '9.9.9.9', '8.8.4.4'] }), /at most 3/],
    ['a cgroup file outside the limits', job({ kind: 'set-limits', settings: [{ key: 'cgroup.procs', value: '1' }] }), /not a cgroup v2 file Locker sets/],
    ['a cgroup path escape', job({ kind: 'set-limits', settings: [{ key: '../../memory.max', value: 'max' }] }), /not a cgroup v2 file/],
    ['a memory limit with a newline', job({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '1\n2' }] }), /memory.max value/],
    ['a cpu.max with an option', job({ kind: 'set-limits', settings: [{ key: 'cpu.max', value: '-1 100000' }] }), /cpu.max value/],
    ['a cgroup file twice', job({ kind: 'set-limits', settings: [{ key: 'pids.max', value: '10' }, { key: 'pids.max', value: '20' }] }), /set twice/],
    ['a v1 file not marked v1', job({ kind: 'set-limits', settings: [{ key: 'memory.limit_in_bytes', value: '67108864' }] }), /"memory.limit_in_bytes" is not a cgroup v2 file/],
    ['a v1 file Locker never translates to', job({ kind: 'set-limits', settings: [{ key: 'memory.kmem.limit_in_bytes', value: '1', v1: true }] }), /not a cgroup v1 file Locker sets/],
    ['a v1 release agent', job({ kind: 'set-limits', settings: [{ key: 'release_agent', value: '/tmp/x', v1: true }] }), /not a cgroup v1 file/],
    ['a v2 file marked v1', job({ kind: 'set-limits', settings: [{ key: 'memory.max', value: '1', v1: true }] }), /not a cgroup v1 file/],
    ['a v1 memory limit with a suffix', job({ kind: 'set-limits', settings: [{ key: 'memory.limit_in_bytes', value: '64M', v1: true }] }), /is not bytes or -1/],
    ['a v1 quota with an option', job({ kind: 'set-limits', settings: [{ key: 'cpu.cfs_quota_us', value: '1000\n', v1: true }] }), /cpu.cfs_quota_us value/],
    ['a v1 file twice', job({ kind: 'set-limits', settings: [{ key: 'pids.max', value: '10', v1: true }, { key: 'pids.max', value: '20', v1: true }] }), /set twice/],
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
      { kind: 'set-limits', settings: [{ key: 'cpu.max', value: '150000 100000' }, { key: 'memory.max', value: '536870912' }, { key: 'pids.max', value: '200' }, { key: 'cpu.weight', value: '20' }] },
      { kind: 'set-config', lines: [{ key: 'lxc.environment', value: 'A=b=c' }, { key: 'lxc.environment', value: 'X=1' }, { key: 'lxc.cap.drop', value: 'sys_time' }] },
      { kind: 'set-config', lines: [{ key: 'lxc.apparmor.profile', value: 'unconfined' }], allowed: ['lxc.apparmor.profile'] },
      { kind: 'set-config', lines: [] },
    ] as ActionParams[]) {
      expect(() => validateJob(job(p), 'local')).not.toThrow();
    }
  });
});
