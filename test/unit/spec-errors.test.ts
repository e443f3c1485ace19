// Every spec error lands on the exact line:col and spec path of the offending node.
import { describe, expect, it } from 'vitest';
import { LockerError, type LockerErrorJSON } from '../../src/errors.js';
import { loadSpec, validateProjectName, type LoadSpecInput } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

function failOf(lines: string[], extra: Partial<LoadSpecInput> = {}): LockerErrorJSON {
  return thrown(() =>
    loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo', ...extra }),
  ).toJSON();
}

interface Case {
  name: string;
  lines: string[];
  line: number;
  col: number;
  path?: string;
  message: RegExp;
  hint?: RegExp;
  code?: 'SPEC_INVALID' | 'PLAN_CYCLE';
}

const BUSYBOX = '  template: busybox';

const cases: Case[] = [
  // YAML itself
  { name: 'duplicate container key', lines: ['web:', '  template: x', 'web:', '  clone: y'], line: 3, col: 1, path: 'web', message: /^duplicate key "web"$/ },
  { name: 'duplicate nested key', lines: ['web:', BUSYBOX, '  ports: ["1:1"]', '  ports: ["2:2"]'], line: 4, col: 3, path: 'web.ports', message: /^duplicate key "ports"$/ },
  { name: 'mis-indented key', lines: ['web:', BUSYBOX, ' ports: ["1:1"]'], line: 3, col: 1, message: /^YAML syntax: All mapping items must start at the same column/ },
  { name: 'unclosed quote', lines: ['web:', '  template: "busybox'], line: 3, col: 1, message: /^YAML syntax: Missing closing "quote/ },
  // layout
  { name: 'empty file', lines: [''], line: 1, col: 1, message: /^the spec is empty$/ },
  { name: 'comments only', lines: ['# nothing yet'], line: 1, col: 1, message: /^the spec is empty$/ },
  { name: 'top level list', lines: ['- web'], line: 1, col: 1, message: /^the spec must be a map of containers$/ },
  { name: 'unknown top-level key in the later format', lines: ['containers:', '  web:', '    template: busybox', 'defualts:', '  host: a'], line: 4, col: 1, path: 'defualts', message: /^unknown top-level key "defualts"$/, hint: /did you mean "defaults"\?/ },
  { name: 'containers not a map', lines: ['containers: [web]'], line: 1, col: 13, path: 'containers', message: /^containers must be a map/ },
  // names and shape
  { name: 'underscore in a container name', lines: ['my_app:', BUSYBOX], line: 1, col: 1, path: 'my_app', message: /^invalid container name "my_app"$/, hint: /no "_"/ },
  { name: 'dot in a container name', lines: ['db:', BUSYBOX, 'web.1:', BUSYBOX], line: 3, col: 1, path: 'web.1', message: /^invalid container name "web\.1"$/ },
  { name: 'container is a string', lines: ['web: busybox'], line: 1, col: 6, path: 'web', message: /^container web must be a map of settings$/ },
  { name: 'misspelt key', lines: ['web:', BUSYBOX, '  prots: ["8000:8000"]'], line: 3, col: 3, path: 'web.prots', message: /^unknown key "prots" in container web$/, hint: /^did you mean "ports"\?$/ },
  { name: 'key sharing a prefix', lines: ['web:', BUSYBOX, '  depends: [web]'], line: 3, col: 3, path: 'web.depends', message: /unknown key "depends"/, hint: /^did you mean "depends_on"\?$/ },
  { name: 'key like nothing known', lines: ['web:', BUSYBOX, '  colour: red'], line: 3, col: 3, path: 'web.colour', message: /unknown key "colour"/, hint: /^allowed keys: template, download, clone, snapshot, volumes, ports, fqdn, depends_on, host, ipv4, bridge, links, autostart, stop_timeout, provision, unprivileged, limits, cgroup, config, dns$/ },
  { name: 'unknown key in the later format', lines: ['containers:', '  web:', '    template: busybox', '    prots: ["1:1"]'], line: 4, col: 5, path: 'containers.web.prots', message: /unknown key "prots"/, hint: /ports/ },
  { name: 'unknown key in defaults', lines: ['defaults:', '  prots: ["1:1"]', 'containers:', '  web:', '    template: busybox'], line: 2, col: 3, path: 'defaults.prots', message: /^unknown key "prots" in defaults$/ },
  { name: 'unquoted port number', lines: ['web:', BUSYBOX, '  ports:', '    - "8000:8000"', '    - 8001'], line: 5, col: 7, path: 'web.ports[1]', message: /^each entry of ports must be a string .*not the number 8001$/, hint: /quote each port/ },
  { name: 'ports not a list', lines: ['web:', BUSYBOX, '  ports: "8000:8000"'], line: 3, col: 10, path: 'web.ports', message: /^ports must be a list of strings$/ },
  { name: 'empty ports', lines: ['web:', BUSYBOX, '  ports:'], line: 3, col: 3, path: 'web.ports', message: /^ports must be a list of strings$/ },
  { name: 'snapshot not a boolean', lines: ['db:', BUSYBOX, 'web:', '  clone: db', '  snapshot: "yes"'], line: 5, col: 13, path: 'web.snapshot', message: /^snapshot must be true or false$/ },
  { name: 'stop_timeout as text', lines: ['web:', BUSYBOX, '  stop_timeout: 10s'], line: 3, col: 17, path: 'web.stop_timeout', message: /^stop_timeout must be a whole number of seconds from 0 \(kill at once\) to 86400, not the string 10s$/, hint: /stop_timeout: 30/ },
  { name: 'stop_timeout negative', lines: ['web:', BUSYBOX, '  stop_timeout: -1'], line: 3, col: 17, path: 'web.stop_timeout', message: /^stop_timeout must be .*, not -1$/ },
  { name: 'stop_timeout fractional', lines: ['web:', BUSYBOX, '  stop_timeout: 2.5'], line: 3, col: 17, path: 'web.stop_timeout', message: /^stop_timeout must be .*, not 2\.5$/ },
  { name: 'stop_timeout beyond a day', lines: ['web:', BUSYBOX, '  stop_timeout: 86401'], line: 3, col: 17, path: 'web.stop_timeout', message: /not 86401$/ },
  { name: 'stop_timeout in defaults', lines: ['defaults:', '  stop_timeout: [1]', 'containers:', '  web:', '    template: busybox'], line: 2, col: 17, path: 'defaults.stop_timeout', message: /^stop_timeout must be .*, not a list$/ },
  { name: 'template without a name', lines: ['web:', '  template:', '    release: xenial'], line: 3, col: 5, path: 'web.template.name', message: /^template needs a name$/ },
  { name: 'template argument is a list', lines: ['web:', '  template:', '    name: busybox', '    release: [a, b]'], line: 4, col: 14, path: 'web.template.release', message: /^template arguments must be strings, numbers or booleans$/ },
  { name: 'template argument name', lines: ['web:', '  template:', '    name: busybox', '    "-x": y'], line: 4, col: 5, path: 'web.template.-x', message: /^invalid template argument name "-x"$/ },
  { name: 'control character', lines: ['web:', '  template: "busy\\tbox"'], line: 2, col: 13, path: 'web.template', message: /^control character U\+0009 in this value$/ },
  { name: 'NUL in a key', lines: ['"w\\0eb":', BUSYBOX], line: 1, col: 1, message: /^control character U\+0000/ },
  { name: 'control character in a nested key', lines: ['web:', '  "tem\\x01plate": busybox'], line: 2, col: 3, path: 'web', message: /^control character U\+0001/ },
  // source
  { name: 'template and clone', lines: ['web:', BUSYBOX, '  clone: db', 'db:', BUSYBOX], line: 3, col: 3, path: 'web.clone', message: /^container web has both template and clone$/ },
  { name: 'clone and template', lines: ['web:', '  clone: db', BUSYBOX, 'db:', BUSYBOX], line: 3, col: 3, path: 'web.template', message: /has both template and clone/ },
  { name: 'neither template nor clone', lines: ['db:', BUSYBOX, 'web:', '  ports: ["80:80"]'], line: 3, col: 1, path: 'web', message: /^container web has neither template nor clone$/ },
  { name: 'snapshot without clone', lines: ['web:', BUSYBOX, '  snapshot: true'], line: 3, col: 3, path: 'web.snapshot', message: /^snapshot only applies to a clone/ },
  { name: 'clone of an impossible name', lines: ['web:', '  clone: "db 2"'], line: 2, col: 10, path: 'web.clone', message: /^clone "db 2" is neither a container of this spec nor a valid LXC name$/ },
  { name: 'clone across hosts', lines: ['db:', BUSYBOX, '  host: a', 'web:', '  clone: db', '  host: b'], line: 5, col: 10, path: 'web.clone', message: /^web clones db, but web is on host "b" and db on host "a"$/ },
  // depends_on and cycles
  { name: 'unknown dependency', lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  depends_on: [db, dbb]'], line: 5, col: 20, path: 'web.depends_on[1]', message: /^web depends on "dbb", which is not a container of this spec$/, hint: /^did you mean "db"\?$/ },
  { name: 'clone of itself', lines: ['web:', '  clone: web'], line: 2, col: 10, path: 'web.clone', message: /^cycle: web -> web$/, code: 'PLAN_CYCLE' },
  { name: 'clone and depends_on cycle', lines: ['web:', '  clone: db', 'db:', BUSYBOX, '  depends_on: [web]'], line: 2, col: 10, path: 'web.clone', message: /^cycle: db -> web -> db$/, code: 'PLAN_CYCLE' },
  { name: 'three-way depends_on cycle', lines: ['a:', BUSYBOX, '  depends_on: [b]', 'b:', BUSYBOX, '  depends_on: [c]', 'c:', BUSYBOX, '  depends_on: [a]'], line: 9, col: 16, path: 'c.depends_on[0]', message: /^cycle: a -> b -> c -> a$/, code: 'PLAN_CYCLE' },
  // values
  { name: 'bad fqdn', lines: ['web:', BUSYBOX, '  fqdn: -bad.example.net'], line: 3, col: 9, path: 'web.fqdn', message: /^invalid fqdn "-bad\.example\.net": label "-bad"$/ },
  { name: 'fqdn with a trailing dot', lines: ['web:', BUSYBOX, '  fqdn: web.example.net.'], line: 3, col: 9, path: 'web.fqdn', message: /an empty label/ },
  { name: 'bad host', lines: ['web:', BUSYBOX, '  host: "bad host"'], line: 3, col: 9, path: 'web.host', message: /^invalid host "bad host"$/ },
  // An empty NATS subject token: the spec used to take it and `locker agent --host` to refuse it.
  { name: 'host with an empty . part', lines: ['web:', BUSYBOX, '  host: "h1..lan"'], line: 3, col: 9, path: 'web.host', message: /^invalid host "h1..lan"$/ },
  { name: 'port out of range', lines: ['web:', BUSYBOX, '  ports: ["8000:8000", "80000:80"]'], line: 3, col: 24, path: 'web.ports[1]', message: /^port 80000 is out of range/ },
  { name: 'IPv6 loopback port', lines: ['web:', BUSYBOX, '  ports: ["[::1]:8080:80"]'], line: 3, col: 11, path: 'web.ports[0]', message: /^the IPv6 loopback address ::1 cannot be forwarded/ },
  { name: 'bad IPv6 port address', lines: ['web:', BUSYBOX, '  ports: ["80:80", "[2001:db8:::1]:8080:80"]'], line: 3, col: 20, path: 'web.ports[1]', message: /^"2001:db8:::1" is not an IPv6 address in port/ },
  { name: 'port clash', lines: ['db:', BUSYBOX, '  ports: ["8000:8000"]', 'web:', BUSYBOX, '  ports: ["127.0.0.1:8000:80"]'], line: 6, col: 11, path: 'web.ports[0]', message: /^host port 8000\/tcp is already forwarded by db\.ports\[0\] \("8000:8000"\)$/ },
  { name: 'unknown placeholder', lines: ['web:', BUSYBOX, '  volumes:', '    - "/data/$foo:/data"'], line: 4, col: 7, path: 'web.volumes[0]', message: /^unknown placeholder "\$foo"/, hint: /\$name, \$project, \$fqdn/ },
  { name: '$fqdn without fqdn', lines: ['web:', BUSYBOX, '  volumes: ["/data/$fqdn:/data"]'], line: 3, col: 13, path: 'web.volumes[0]', message: /^"\$fqdn" is used but the container has no fqdn$/ },
  { name: 'same container path twice', lines: ['web:', BUSYBOX, '  volumes: ["/a:/data", "/b:/data/"]'], line: 3, col: 25, path: 'web.volumes[1]', message: /^\/data is mounted twice in web \(first by web\.volumes\[0\]\)$/ },
  { name: 'error in the later format', lines: ['containers:', '  web:', '    template: busybox', '    volumes: ["~/data:/data"]'], line: 4, col: 15, path: 'containers.web.volumes[0]', message: /"~" is not supported/ },
  { name: 'error from defaults', lines: ['defaults:', '  ports: ["8000"]', 'containers:', '  web:', '    template: busybox'], line: 2, col: 11, path: 'defaults.ports[0]', message: /^invalid port "8000"$/ },
];

describe('spec errors', () => {
  it.each(cases)('$name', (c) => {
    const err = failOf(c.lines);
    expect(err.code).toBe(c.code ?? 'SPEC_INVALID');
    expect(err.message).toMatch(c.message);
    expect(err.location).toEqual(c.path === undefined ? { file: 'locker.yml', line: c.line, col: c.col } : { file: 'locker.yml', line: c.line, col: c.col, path: c.path });
    expect(err.hint).toBeTruthy();
    if (c.hint) expect(err.hint).toMatch(c.hint);
  });

  it('shows where the error is in its short form', () => {
    const e = LockerError.fromJSON(failOf(['web:', BUSYBOX, '  prots: []']));
    expect(e.located).toBe('locker.yml:3:3: unknown key "prots" in container web');
  });

  it.each(['my project', '_demo', '', 'a'.repeat(64), 'démo'])('rejects the project name %j', (name) => {
    const err = thrown(() => validateProjectName(name));
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.location).toBeUndefined();
    expect(err.hint).toBe('use -p NAME');
    expect(err.message).toContain('1-63 characters');
  });

  it.each(['demo', 'my_app', 'app.v2', 'A-1', 'a'.repeat(63)])('accepts the project name %j', (name) => {
    expect(() => validateProjectName(name)).not.toThrow();
  });

  it('checks the project name before reading the spec', () => {
    const err = failOf(['web:', BUSYBOX], { project: 'bad name' });
    expect(err.hint).toBe('use -p NAME');
  });
});
