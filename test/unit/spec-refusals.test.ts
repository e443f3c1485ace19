// What the spec loader refuses because it would reach a command, a mount entry, a hook or a rule:
// injection attempts in every such field, host paths that would expose the host (and the opt-in
// that allows one exact path, shown in the plan), and names LXC would not accept.

import { describe, expect, it } from 'vitest';
import { planChanges, type ObservedHost } from '../../plans/index.js';
import { loadSpec, validateProjectName, type DesiredState, type LoadSpecInput } from '../../src/spec/index.js';
import { findMountViolation } from '../../src/spec/mount-policy.js';
import { thrown } from '../helpers/errors.js';
import { host } from './plan-fixtures.js';

function load(text: string, extra: Partial<LoadSpecInput> = {}): DesiredState {
  return loadSpec({ text, file: 'locker.yml', project: 'demo', specDir: '/srv/demo', ...extra });
}

function fail(text: string, extra: Partial<LoadSpecInput> = {}) {
  return thrown(() => load(text, extra)).toJSON();
}

/** Written as YAML double-quoted strings, so newlines and NUL arrive as the characters themselves. */
const PAYLOADS: Array<[string, string]> = [
  ['command substitution', '$(touch /tmp/locker-marker)'],
  ['backticks', '`touch /tmp/locker-marker`'],
  ['a command separator', 'x;touch${IFS}/tmp/locker-marker'],
  ['a newline', 'x\\ntouch /tmp/locker-marker'],
  ['a comment', 'x#touch'],
  ['a leading dash', '-o/tmp/locker-marker'],
  ['NUL', 'x\\0y'],
  ['a space', 'x y'],
];

/** Each field that reaches a command, a mount entry, a hook or a rule, and the line it is on. */
const FIELDS: Array<[string, (p: string) => string, number]> = [
  ['container name', (p) => `"${p}":\n  template: busybox\n`, 1],
  ['template name', (p) => `web:\n  template:\n    name: "${p}"\n`, 3],
  ['template path', (p) => `web:\n  template:\n    name: "/usr/share/lxc/templates/${p}"\n`, 3],
  ['template argument name', (p) => `web:\n  template:\n    name: busybox\n    "${p}": x\n`, 4],
  ['template argument value', (p) => `web:\n  template:\n    name: busybox\n    release: "${p}"\n`, 4],
  ['clone origin', (p) => `web:\n  clone: "${p}"\n`, 2],
  ['fqdn', (p) => `web:\n  template: busybox\n  fqdn: "${p}"\n`, 3],
  ['host', (p) => `web:\n  template: busybox\n  host: "${p}"\n`, 3],
  ['volume host path', (p) => `web:\n  template: busybox\n  volumes: ["/srv/${p}:/data"]\n`, 3],
  ['relative volume host path', (p) => `web:\n  template: busybox\n  volumes: ["${p}:/data"]\n`, 3],
  ['volume container path', (p) => `web:\n  template: busybox\n  volumes: ["/srv/data:/data/${p}"]\n`, 3],
  ['port host address', (p) => `web:\n  template: busybox\n  ports: ["${p}:80:80"]\n`, 3],
  ['depends_on', (p) => `db:\n  template: busybox\nweb:\n  template: busybox\n  depends_on: ["${p}"]\n`, 5],
  ['allow_host_paths', (p) => `web:\n  template: busybox\n  volumes: ["/etc/x:/x"]\n  allow_host_paths: ["/etc/${p}"]\n`, 4],
];

const CASES = FIELDS.flatMap(([field, make, line]) => PAYLOADS.map(([payload, text]) => ({ field, payload, yaml: make(text), line })));

describe('injection attempts are refused where they are written', () => {
  it.each(CASES)('$field with $payload', ({ yaml, line }) => {
    const e = fail(yaml);
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.location?.file).toBe('locker.yml');
    expect(e.location?.line).toBe(line);
    expect(e.message).not.toMatch(/\n/);
  });

  it.each(PAYLOADS.map(([what, p]) => [what, p.replace(/\\n/g, '\n').replace(/\\0/g, '\0')]))('a project name with %s is refused with the rule', (_what, name) => {
    const e = thrown(() => validateProjectName(name));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(/^invalid project name ".*": a project name is 1-63 characters/);
    expect(e.message).not.toMatch(/\n/);
  });

  it('keeps template arguments that are ordinary values, URLs included', () => {
    const state = load('web:\n  template:\n    name: download\n    dist: debian\n    release: "12"\n    server: images.linuxcontainers.org\n    keyserver: "hkp://keyserver.ubuntu.com:80"\n');
    const source = state.containers[0]!.source;
    expect(source.kind === 'template' && source.args).toEqual({ dist: 'debian', release: '12', server: 'images.linuxcontainers.org', keyserver: 'hkp://keyserver.ubuntu.com:80' });
  });
});

describe('names follow what LXC accepts', () => {
  it('refuses a <project>_<name> longer than 64 characters (LXC writes it as the hostname)', () => {
    const name = 'a'.repeat(60);
    const e = fail(`${name}:\n  template: busybox\n`);
    expect(e.message).toBe(`the LXC name "demo_${name}" is 65 characters long; LXC allows at most 64 (it becomes the container's hostname)`);
    expect(e.location).toMatchObject({ line: 1, col: 1, path: name });
    expect(() => load(`${'a'.repeat(59)}:\n  template: busybox\n`)).not.toThrow();
  });
});

describe('host paths that would expose the host', () => {
  it.each([
    ['/', /^host path \/ contains \/etc: mounting it would expose the host's configuration/],
    ['/etc', /^host path \/etc is protected: /],
    ['/etc/ssl/certs', /^host path \/etc\/ssl\/certs is inside \/etc: /],
    ['/root/.ssh', /inside \/root: .*root's home/],
    ['/boot', /is protected/],
    ['/proc/1/root', /inside \/proc/],
    ['/sys/fs/cgroup', /inside \/sys/],
    ['/dev/sda', /inside \/dev/],
    ['/usr/bin', /inside \/usr/],
    ['/run/docker.sock', /inside \/run: .*runtime sockets/],
    ['/var/run/docker.sock', /inside \/var\/run/],
    ['/run/containerd', /inside \/run/],
    ['/var/lib/lxc', /is protected: mounting it would expose LXC's containers/],
    ['/var/lib/lxc/other/rootfs', /inside \/var\/lib\/lxc/],
    ['/var/lib/docker', /Docker/],
    ['/var', /^host path \/var contains /],
    ['/var/lib', /^host path \/var\/lib contains \/var\/lib\/lxc/],
  ])('refuses %s', (hostPath, message) => {
    const e = fail(`web:\n  template: busybox\n  volumes:\n    - ./ok:/ok\n    - "${hostPath}:/mnt"\n`);
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.message).toMatch(message);
    expect(e.location).toMatchObject({ line: 5, col: 7, path: 'web.volumes[1]' });
    expect(e.hint).toBe(`if web really needs it, opt in for this exact path: \`allow_host_paths: ["${hostPath}"]\``);
  });

  it.each(['/srv/data', '/home/me/site', '/opt/app', '/var/log/app', '/var/lib/app', '/tmp/x', '/etcetera', '/srv/etc', '/media/usb'])('allows %s', (hostPath) => {
    expect(findMountViolation(hostPath)).toBeUndefined();
    expect(() => load(`web:\n  template: busybox\n  volumes: ["${hostPath}:/mnt"]\n`)).not.toThrow();
  });

  it('checks the path after placeholders and relative paths are resolved', () => {
    expect(fail('web:\n  template: busybox\n  volumes: ["./x:/x"]\n', { specDir: '/etc/app' }).message).toMatch(/^host path \/etc\/app\/x is inside \/etc/);
  });
});

describe('allow_host_paths: the opt-in for one exact host path', () => {
  const CERTS = 'web:\n  template: busybox\n  volumes: ["/etc/ssl/certs:/etc/ssl/certs:ro", "./data:/data"]\n  allow_host_paths: ["/etc/ssl/certs/"]\n';

  it('allows exactly that path and records it, normalised', () => {
    expect(load(CERTS).containers[0]!.allowHostPaths).toEqual(['/etc/ssl/certs']);
  });

  it('does not stretch to a path under it or over it', () => {
    const under = fail('web:\n  template: busybox\n  volumes: ["/etc/ssl/certs:/b", "/etc/ssl/certs/a:/a"]\n  allow_host_paths: ["/etc/ssl/certs"]\n');
    expect(under.message).toMatch(/^host path \/etc\/ssl\/certs\/a is inside \/etc/);
    expect(under.location?.path).toBe('web.volumes[1]');
    const e = fail('web:\n  template: busybox\n  volumes: ["/etc/ssl:/a", "/etc/ssl/certs:/b"]\n  allow_host_paths: ["/etc/ssl/certs"]\n');
    expect(e.message).toMatch(/^host path \/etc\/ssl is inside \/etc/);
    expect(e.location?.path).toBe('web.volumes[0]');
  });

  it('must name a host path of one of the container\'s volumes', () => {
    const e = fail('web:\n  template: busybox\n  volumes: ["/srv/data:/data"]\n  allow_host_paths: ["/etc/shadow"]\n');
    expect(e.message).toBe('allow_host_paths entry "/etc/shadow" is not the host path of a volume of web');
    expect(e.hint).toBe('host paths of its volumes: /srv/data');
    expect(e.location).toMatchObject({ line: 4, col: 22, path: 'web.allow_host_paths[0]' });
  });

  it('must be an absolute path without ".."', () => {
    expect(fail('web:\n  template: busybox\n  volumes: ["/etc/x:/x"]\n  allow_host_paths: ["etc/x"]\n').message).toMatch(/is not absolute$/);
    expect(fail('web:\n  template: busybox\n  volumes: ["/etc/x:/x"]\n  allow_host_paths: ["/srv/../etc/x"]\n').message).toMatch(/contains a "\.\." segment$/);
  });

  it('works from defaults, with its own position', () => {
    const text = 'defaults:\n  template: busybox\n  volumes: ["/etc/ssl/certs:/certs:ro"]\n  allow_host_paths: ["/etc/ssl/certs"]\ncontainers:\n  a: {}\n  b: {volumes: ["/srv/b:/b"]}\n';
    const e = fail(text);
    expect(e.message).toBe('allow_host_paths entry "/etc/ssl/certs" is not the host path of a volume of b');
    expect(e.location?.path).toBe('defaults.allow_host_paths[0]');
  });

  it('is suggested for a near miss, and not advertised otherwise', () => {
    expect(fail('web:\n  template: busybox\n  allow_host_path: []\n').hint).toBe('did you mean "allow_host_paths"?');
    expect(fail('web:\n  template: busybox\n  colour: red\n').hint).not.toMatch(/allow_host_paths/);
  });

  it('is shown in the plan, and carried in the jobs for the agent to check again', () => {
    const local: ObservedHost = host('local');
    const plan = planChanges({ desired: load(CERTS), observed: new Map([['local', local]]), mode: 'up' });
    const mounts = plan.actions.find((a) => a.kind === 'write-mounts')!;
    const copy = plan.actions.find((a) => a.kind === 'copy-out')!;
    expect(mounts.detail).toBe('2 volumes; opted in: /etc/ssl/certs');
    expect(copy.detail).toBe("seed /etc/ssl/certs, /srv/demo/data with the container's data if empty (host folders not observed); opted in: /etc/ssl/certs");
    expect(mounts.params).toMatchObject({ kind: 'write-mounts', allowed: ['/etc/ssl/certs'] });
    expect(copy.params).toMatchObject({ kind: 'copy-out', allowed: ['/etc/ssl/certs'] });
  });

  it('leaves plans without opt-ins as they were: no `allowed` key at all', () => {
    const local: ObservedHost = host('local');
    const plan = planChanges({ desired: load('web:\n  template: busybox\n  volumes: ["/srv/a:/a"]\n'), observed: new Map([['local', local]]), mode: 'up' });
    const mounts = plan.actions.find((a) => a.kind === 'write-mounts')!;
    expect(mounts.detail).toBe('1 volume');
    expect(Object.keys(mounts.params)).toEqual(['kind', 'mounts']);
  });
});
