// loadSpec on whole files: both formats, defaults, sources, refs, order and digest.
import { describe, expect, it } from 'vitest';
import { checkCloneOrigins, loadSpec, type ContainerSpec, type DesiredState, type LoadSpecInput } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

function load(text: string, extra: Partial<LoadSpecInput> = {}): DesiredState {
  return loadSpec({ text, file: 'locker.yml', project: 'demo', specDir: '/srv/demo', ...extra });
}

function byName(state: DesiredState, name: string): ContainerSpec {
  const c = state.containers.find((x) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

const FIRST = `db:
  template:
    name: busybox        # template name, or an absolute path to a template script
    release: xenial      # any other key -> template arg --release xenial
  ports: ["8000:8000", "8001:8001/udp"]
  volumes: ["/opt/data/$project_$name/log:/var/log", "./conf/app.ini:/etc/app.ini:ro"]
  fqdn: db.example.net
web:
  clone: db
  snapshot: true
  depends_on: [db]
`;

// The same containers in the later format, defaults supplying db's template and web's host.
const LATER = `defaults:
  template: {name: busybox, release: xenial}
  host: local
containers:
  web:
    clone: db
    snapshot: true
    depends_on: [db]
  db:
    ports: ["8000:8000", "8001:8001/udp"]
    volumes: ["/opt/data/$project_$name/log:/var/log", "./conf/app.ini:/etc/app.ini:ro"]
    fqdn: DB.Example.NET
`;

describe('the first format', () => {
  const state = load(FIRST);

  it('names the project and file and sorts containers by name', () => {
    expect(state.project).toBe('demo');
    expect(state.file).toBe('locker.yml');
    expect(state.containers.map((c) => c.name)).toEqual(['db', 'web']);
    expect(state.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a template container', () => {
    expect(byName(state, 'db')).toEqual({
      name: 'db',
      lxcName: 'demo_db',
      host: 'local',
      source: { kind: 'template', template: 'busybox', args: { release: 'xenial' }, ref: { file: 'locker.yml', line: 3, col: 5, path: 'db.template' } },
      fqdn: 'db.example.net',
      ports: [
        { hostPort: 8000, containerPort: 8000, protocol: 'tcp', raw: '8000:8000', ref: { file: 'locker.yml', line: 5, col: 11, path: 'db.ports[0]' } },
        { hostPort: 8001, containerPort: 8001, protocol: 'udp', raw: '8001:8001/udp', ref: { file: 'locker.yml', line: 5, col: 24, path: 'db.ports[1]' } },
      ],
      volumes: [
        { hostPath: '/opt/data/demo_db/log', containerPath: '/var/log', readOnly: false, raw: '/opt/data/$project_$name/log:/var/log', ref: { file: 'locker.yml', line: 6, col: 13, path: 'db.volumes[0]' } },
        { hostPath: '/srv/demo/conf/app.ini', containerPath: '/etc/app.ini', readOnly: true, raw: './conf/app.ini:/etc/app.ini:ro', ref: { file: 'locker.yml', line: 6, col: 54, path: 'db.volumes[1]' } },
      ],
      dependsOn: [],
      network: { bridge: { name: 'lxcbr0', ref: { file: 'locker.yml', line: 1, col: 1, path: 'db' } } },
      links: [],
      autostart: false,
      ref: { file: 'locker.yml', line: 1, col: 1, path: 'db' },
    });
  });

  it('reads a clone of a container of the project', () => {
    expect(byName(state, 'web')).toEqual({
      name: 'web',
      lxcName: 'demo_web',
      host: 'local',
      source: { kind: 'clone', origin: 'demo_db', originInProject: 'db', snapshot: true, ref: { file: 'locker.yml', line: 9, col: 10, path: 'web.clone' } },
      ports: [],
      volumes: [],
      dependsOn: ['db'],
      network: { bridge: { name: 'lxcbr0', ref: { file: 'locker.yml', line: 8, col: 1, path: 'web' } } },
      links: [],
      autostart: false,
      ref: { file: 'locker.yml', line: 8, col: 1, path: 'web' },
    });
  });
});

describe('the later format', () => {
  const state = load(LATER);

  it('means the same as the first format: same digest', () => {
    expect(state.digest).toBe(load(FIRST).digest);
  });

  it('points refs into containers: and defaults:', () => {
    const db = byName(state, 'db');
    expect(db.ref).toEqual({ file: 'locker.yml', line: 9, col: 3, path: 'containers.db' });
    expect(db.source.ref).toEqual({ file: 'locker.yml', line: 2, col: 13, path: 'defaults.template' });
    expect(db.ports[1]?.ref).toEqual({ file: 'locker.yml', line: 10, col: 26, path: 'containers.db.ports[1]' });
    expect(byName(state, 'web').source.ref.path).toBe('containers.web.clone');
  });

  it('lowercases the fqdn', () => {
    expect(byName(state, 'db').fqdn).toBe('db.example.net');
  });

  it('accepts an empty containers map', () => {
    expect(load('containers: {}\n').containers).toEqual([]);
  });

  it('reads a single container named "containers" in the first format as the later format', () => {
    // Documented ambiguity: `containers:` alone is always the later format.
    expect(() => load('containers:\n  template: busybox\n')).toThrow(/container template must be a map/);
  });
});

describe('defaults', () => {
  const text = `defaults:
  template: busybox
  host: alpha
  ports: ["8000:80"]
  volumes: ["/srv/$project/$name:/data"]
  fqdn: $name.example.net
  snapshot: true
containers:
  a: {}
  b:
    ports: ["9000:90"]
    host: beta
  c:
    clone: a
    host: alpha
    ports: []
`;
  const state = load(text);

  it('fills in what a container leaves out', () => {
    const a = byName(state, 'a');
    expect(a.host).toBe('alpha');
    expect(a.source).toMatchObject({ kind: 'template', template: 'busybox', args: {} });
    expect(a.fqdn).toBe('a.example.net');
    expect(a.ports.map((p) => [p.raw, p.ref.path])).toEqual([['8000:80', 'defaults.ports[0]']]);
  });

  it('expands placeholders per container', () => {
    expect(state.containers.map((c) => c.volumes[0]?.hostPath)).toEqual(['/srv/demo/a', '/srv/demo/b', '/srv/demo/c']);
    expect(byName(state, 'b').volumes[0]?.ref).toEqual({ file: 'locker.yml', line: 5, col: 13, path: 'defaults.volumes[0]' });
  });

  it('replaces lists rather than merging them', () => {
    expect(byName(state, 'b').ports.map((p) => p.raw)).toEqual(['9000:90']);
    expect(byName(state, 'c').ports).toEqual([]);
  });

  it('lets a container override a scalar', () => {
    expect(byName(state, 'b').host).toBe('beta');
  });

  it('drops the default template for a container that clones, and applies snapshot to clones only', () => {
    expect(byName(state, 'c').source).toMatchObject({ kind: 'clone', origin: 'demo_a', originInProject: 'a', snapshot: true });
    expect(byName(state, 'b').source.kind).toBe('template');
  });
});

describe('hosts', () => {
  it.each<[string, Partial<LoadSpecInput>, string]>([
    ['web: {template: busybox}\n', {}, 'local'],
    ['web: {template: busybox}\n', { defaultHost: 'h1' }, 'h1'],
    ['defaults: {host: h2}\ncontainers:\n  web: {template: busybox}\n', { defaultHost: 'h1' }, 'h2'],
    ['web: {template: busybox, host: h3.lan}\n', { defaultHost: 'h1' }, 'h3.lan'],
  ])('%j with %j is on %s', (text, extra, host) => {
    expect(load(text, extra).containers[0]?.host).toBe(host);
  });

  it('refuses an invalid default host from the caller', () => {
    expect(() => load('web: {template: busybox}\n', { defaultHost: 'bad host' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});

describe('sources', () => {
  it('takes a template name as a plain string', () => {
    expect(load('web:\n  template: busybox\n').containers[0]?.source).toEqual({
      kind: 'template', template: 'busybox', args: {}, ref: { file: 'locker.yml', line: 2, col: 13, path: 'web.template' },
    });
  });

  it('turns template arguments into strings, keeping numbers as written', () => {
    const text = 'web:\n  template:\n    name: /usr/share/lxc/templates/lxc-download\n    release: 20.10\n    arch: amd64\n    no-validate: true\n    build: 007\n';
    expect(load(text).containers[0]?.source).toMatchObject({
      template: '/usr/share/lxc/templates/lxc-download',
      args: { release: '20.10', arch: 'amd64', 'no-validate': 'true', build: '007' },
    });
  });

  it('clones an LXC container outside the project as named', () => {
    expect(load('web:\n  clone: base_image.v1\n').containers[0]?.source).toEqual({
      kind: 'clone', origin: 'base_image.v1', snapshot: false, ref: { file: 'locker.yml', line: 2, col: 10, path: 'web.clone' },
    });
  });

  it('knows a project container by its LXC name too', () => {
    const state = load('db: {template: busybox}\nweb: {clone: demo_db}\n');
    expect(byName(state, 'web').source).toMatchObject({ origin: 'demo_db', originInProject: 'db' });
  });

  it('follows YAML anchors and merge keys', () => {
    const state = load('db: &base\n  template: busybox\n  volumes: ["/srv/$name:/data"]\nweb:\n  <<: *base\n  ports: ["80:80"]\n');
    expect(byName(state, 'web').volumes[0]?.hostPath).toBe('/srv/web');
    expect(byName(state, 'web').source.kind).toBe('template');
  });

  it('lists each dependency once', () => {
    const state = load('db: {template: busybox}\nweb: {template: busybox, depends_on: [db, db]}\n');
    expect(byName(state, 'web').dependsOn).toEqual(['db']);
  });
});

describe('digest', () => {
  const base = 'web:\n  template: busybox\n  ports: ["80:80"]\ndb:\n  template: busybox\n';

  it.each([
    ['comments and blank lines', '# my app\nweb:\n  template: busybox   # the front\n\n  ports: ["80:80"]\ndb:\n  template: busybox\n'],
    ['key and container order', 'db:\n  template: {name: busybox}\nweb:\n  ports: ["80:80"]\n  template: busybox\n'],
    ['the later format', 'containers:\n  web: {template: busybox, ports: ["80:80"]}\n  db: {template: busybox}\n'],
  ])('ignores %s', (_name, text) => {
    expect(load(text).digest).toBe(load(base).digest);
  });

  it.each([
    ['a port', base.replace('80:80', '81:80')],
    ['the project', base],
    ['a template argument', base.replace('db:\n  template: busybox', 'db:\n  template: {name: busybox, release: b}')],
  ])('changes with %s', (name, text) => {
    const other = name === 'the project' ? load(text, { project: 'other' }) : load(text);
    expect(other.digest).not.toBe(load(base).digest);
  });
});

describe('stop_timeout', () => {
  it('is absent unless written, so specs without it keep their digest', () => {
    expect(byName(load('web: {template: busybox}\n'), 'web').stopTimeout).toBeUndefined();
  });

  it('a container\'s own value wins over defaults; 0 is a value', () => {
    const state = load('defaults:\n  stop_timeout: 30\ncontainers:\n  web: {template: busybox}\n  db: {template: busybox, stop_timeout: 0}\n');
    expect(byName(state, 'web').stopTimeout).toBe(30);
    expect(byName(state, 'db').stopTimeout).toBe(0);
  });
});

describe('checkCloneOrigins', () => {
  const state = load('db: {template: busybox}\nweb: {clone: db}\napi:\n  clone: golden\n  host: h1\n');

  it('passes when every outside origin exists on its host', () => {
    expect(() => checkCloneOrigins(state, new Map([['h1', new Set(['golden'])]]))).not.toThrow();
  });

  it.each<[string, Map<string, Set<string>>]>([
    ['on another host only', new Map([['local', new Set(['golden'])], ['h1', new Set()]])],
    ['on an unknown host', new Map()],
  ])('fails when the origin is %s', (_name, existing) => {
    const err = thrown(() => checkCloneOrigins(state, existing));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toBe('clone origin "golden" of api does not exist on host "h1"');
    expect(err.location).toEqual({ file: 'locker.yml', line: 4, col: 10, path: 'api.clone' });
    expect(err.hint).toContain('create the LXC container "golden"');
  });

  it('does not look for origins inside the project', () => {
    const inProject = load('db: {template: busybox}\nweb: {clone: db}\n');
    expect(() => checkCloneOrigins(inProject, new Map())).not.toThrow();
  });
});
