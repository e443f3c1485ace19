// The network keys of a container (ipv4, bridge, links, autostart) as the loader reads them, and every
// refusal the loader makes of them, located at the exact line:col and spec path of the offending node.

import { describe, expect, it } from 'vitest';
import type { LockerErrorJSON } from '../../src/errors.js';
import { loadSpec, type ContainerSpec, type DesiredState } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

const FILE = 'locker.yml';
const BUSYBOX = '  template: busybox';

function load(lines: string[]): DesiredState {
  return loadSpec({ text: lines.join('\n') + '\n', file: FILE, project: 'demo', specDir: '/srv/demo' });
}

function failOf(lines: string[]): LockerErrorJSON {
  return thrown(() => load(lines)).toJSON();
}

function byName(state: DesiredState, name: string): ContainerSpec {
  const c = state.containers.find((x) => x.name === name);
  if (c === undefined) throw new Error(`no container ${name}`);
  return c;
}

function at(line: number, col: number, path: string) {
  return { file: FILE, line, col, path };
}

describe('network keys: what the loader reads', () => {
  interface ReadCase {
    name: string;
    lines: string[];
    container: string;
    network: ContainerSpec['network'];
    links?: ContainerSpec['links'];
    autostart?: boolean;
  }

  const cases: ReadCase[] = [
    {
      name: 'no keys: lxcbr0 at the container line, no address, no links, no autostart',
      lines: ['web:', BUSYBOX],
      container: 'web',
      network: { bridge: { name: 'lxcbr0', ref: at(1, 1, 'web') } },
      links: [],
      autostart: false,
    },
    {
      name: 'a fixed address and a bridge, each at its value',
      lines: ['web:', BUSYBOX, '  ipv4: 10.0.3.50', '  bridge: br-lan.2', '  autostart: true'],
      container: 'web',
      network: { bridge: { name: 'br-lan.2', ref: at(4, 11, 'web.bridge') }, ipv4: { address: '10.0.3.50', ref: at(3, 9, 'web.ipv4') } },
      autostart: true,
    },
    {
      name: 'links sorted by alias, an alias lowercased, the plain form aliased by its own name',
      lines: ['db:', BUSYBOX, 'cache:', BUSYBOX, 'web:', BUSYBOX, '  links: [db, "db:Database", cache]'],
      container: 'web',
      network: { bridge: { name: 'lxcbr0', ref: at(5, 1, 'web') } },
      links: [
        { target: 'cache', alias: 'cache', ref: at(7, 30, 'web.links[2]') },
        { target: 'db', alias: 'database', ref: at(7, 15, 'web.links[1]') },
        { target: 'db', alias: 'db', ref: at(7, 11, 'web.links[0]') },
      ],
    },
    {
      name: 'bridge and autostart from defaults, a container bridge overriding it',
      lines: ['defaults:', '  bridge: br9', '  autostart: true', 'containers:', '  db:', '    template: busybox', '  web:', '    template: busybox', '    bridge: br1'],
      container: 'web',
      network: { bridge: { name: 'br1', ref: at(9, 13, 'containers.web.bridge') } },
      autostart: true,
    },
    {
      name: 'a bridge from defaults is located in defaults',
      lines: ['defaults:', '  bridge: br9', 'containers:', '  db:', '    template: busybox'],
      container: 'db',
      network: { bridge: { name: 'br9', ref: at(2, 11, 'defaults.bridge') } },
      autostart: false,
    },
    {
      name: 'one address on two bridges of one host is no clash',
      lines: ['db:', BUSYBOX, '  ipv4: 10.0.3.50', 'web:', BUSYBOX, '  ipv4: 10.0.3.50', '  bridge: br1'],
      container: 'web',
      network: { bridge: { name: 'br1', ref: at(7, 11, 'web.bridge') }, ipv4: { address: '10.0.3.50', ref: at(6, 9, 'web.ipv4') } },
    },
    {
      name: 'one address on one bridge name of two hosts is no clash for the loader (the planner judges shared stacks)',
      lines: ['db:', BUSYBOX, '  ipv4: 10.0.3.50', 'web:', BUSYBOX, '  ipv4: 10.0.3.50', '  host: b'],
      container: 'web',
      network: { bridge: { name: 'lxcbr0', ref: at(4, 1, 'web') }, ipv4: { address: '10.0.3.50', ref: at(6, 9, 'web.ipv4') } },
    },
  ];

  it.each(cases)('$name', (c) => {
    const spec = byName(load(c.lines), c.container);
    expect(spec.network).toEqual(c.network);
    if (c.links !== undefined) expect(spec.links).toEqual(c.links);
    if (c.autostart !== undefined) expect(spec.autostart).toBe(c.autostart);
  });

  it.each([
    ['ipv4', ['web:', BUSYBOX, '  ipv4: 10.0.3.50'], ['web:', BUSYBOX, '  ipv4: 10.0.3.51']],
    ['bridge', ['web:', BUSYBOX], ['web:', BUSYBOX, '  bridge: br1']],
    ['links', ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: [db]'], ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: ["db:database"]']],
    ['autostart', ['web:', BUSYBOX], ['web:', BUSYBOX, '  autostart: true']],
  ])('the spec digest changes with %s (a saved plan for the old value is stale)', (_key, before, after) => {
    expect(load(after).digest).not.toBe(load(before).digest);
  });

  it('the digest ignores where the keys are written: `bridge: lxcbr0` means the default', () => {
    expect(load(['web:', BUSYBOX, '  bridge: lxcbr0', '  autostart: false']).digest).toBe(load(['web:', BUSYBOX]).digest);
  });
});

describe('network keys: refusals of the loader', () => {
  interface ErrorCase {
    name: string;
    lines: string[];
    line: number;
    col: number;
    path: string;
    message: RegExp;
    hint: RegExp;
  }

  const cases: ErrorCase[] = [
    // ipv4
    { name: 'ipv4 with an octet over 255', lines: ['web:', BUSYBOX, '  ipv4: 10.0.3.256'], line: 3, col: 9, path: 'web.ipv4', message: /^"10\.0\.3\.256" is not an IPv4 address$/, hint: /dotted quad, e\.g\. 10\.0\.3\.50/ },
    { name: 'ipv4 with a leading zero', lines: ['web:', BUSYBOX, '  ipv4: "010.0.3.5"'], line: 3, col: 9, path: 'web.ipv4', message: /^"010\.0\.3\.5" is not an IPv4 address$/, hint: /dotted quad/ },
    { name: 'ipv4 with a prefix length', lines: ['web:', BUSYBOX, '  ipv4: 10.0.3.5/24'], line: 3, col: 9, path: 'web.ipv4', message: /^"10\.0\.3\.5\/24" is not an IPv4 address$/, hint: /dotted quad/ },
    { name: 'ipv4 as a number', lines: ['web:', BUSYBOX, '  ipv4: 10'], line: 3, col: 9, path: 'web.ipv4', message: /^ipv4 must be a string/, hint: /leave it out to have one assigned/ },
    { name: 'ipv4 in defaults', lines: ['defaults:', '  ipv4: 10.0.3.5', 'containers:', '  web:', '    template: busybox'], line: 2, col: 3, path: 'defaults.ipv4', message: /^ipv4 cannot be a default: it is each container's own$/, hint: /^move `ipv4:` under the container it belongs to$/ },
    {
      name: 'two containers of one host with one fixed address on one bridge: the second is wrong',
      lines: ['db:', BUSYBOX, '  ipv4: 10.0.3.50', 'web:', BUSYBOX, '  ipv4: 10.0.3.50'],
      line: 6,
      col: 9,
      path: 'web.ipv4',
      message: /^ipv4 10\.0\.3\.50 is already the address of db \(db\.ipv4\)$/,
      hint: /give each container its own address/,
    },
    {
      name: 'an address clash is reported at the second container as written, not by name',
      lines: ['containers:', '  web:', '    template: busybox', '    ipv4: 10.0.3.50', '  db:', '    template: busybox', '    ipv4: 10.0.3.50'],
      line: 7,
      col: 11,
      path: 'containers.db.ipv4',
      message: /^ipv4 10\.0\.3\.50 is already the address of web \(containers\.web\.ipv4\)$/,
      hint: /leave `ipv4` out/,
    },
    // bridge
    { name: 'bridge with a space', lines: ['web:', BUSYBOX, '  bridge: "br 0"'], line: 3, col: 11, path: 'web.bridge', message: /^invalid bridge "br 0"$/, hint: /1-15 letters, digits/ },
    { name: 'bridge longer than IFNAMSIZ', lines: ['web:', BUSYBOX, '  bridge: abcdefghijklmnop'], line: 3, col: 11, path: 'web.bridge', message: /^invalid bridge "abcdefghijklmnop"$/, hint: /1-15/ },
    { name: 'bridge with a slash', lines: ['web:', BUSYBOX, '  bridge: "br/0"'], line: 3, col: 11, path: 'web.bridge', message: /^invalid bridge "br\/0"$/, hint: /bridge name/ },
    { name: 'bridge as a list', lines: ['web:', BUSYBOX, '  bridge: [br0]'], line: 3, col: 11, path: 'web.bridge', message: /^bridge must be a string/, hint: /write `bridge: lxcbr0`/ },
    { name: 'bad bridge in defaults', lines: ['defaults:', '  bridge: "-br"', 'containers:', '  web:', '    template: busybox'], line: 2, col: 11, path: 'defaults.bridge', message: /^invalid bridge "-br"$/, hint: /starting with a letter or digit/ },
    // autostart
    { name: 'autostart as a string', lines: ['web:', BUSYBOX, '  autostart: "yes"'], line: 3, col: 14, path: 'web.autostart', message: /^autostart must be true or false$/, hint: /write `autostart: true`/ },
    // links
    { name: 'links as a string', lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: db'], line: 5, col: 10, path: 'web.links', message: /^links must be a list of strings$/, hint: /links: \[db, "cache:redis"\]/ },
    { name: 'links in defaults', lines: ['defaults:', '  links: [db]', 'containers:', '  db:', '    template: busybox'], line: 2, col: 3, path: 'defaults.links', message: /^links cannot be a default: it is each container's own$/, hint: /^move `links:` under/ },
    {
      name: 'link to an unknown container, with a did-you-mean',
      lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: [db, dbb]'],
      line: 5,
      col: 15,
      path: 'web.links[1]',
      message: /^web links to "dbb", which is not a container of this spec$/,
      hint: /^did you mean "db"\?$/,
    },
    {
      name: 'link to an unknown container in the later format',
      lines: ['containers:', '  web:', '    template: busybox', '    links: ["cahce:redis"]', '  cache:', '    template: busybox'],
      line: 4,
      col: 13,
      path: 'containers.web.links[0]',
      message: /^web links to "cahce", which is not a container of this spec$/,
      hint: /did you mean "cache"\?/,
    },
    {
      name: 'link to a container on another host',
      lines: ['db:', BUSYBOX, '  host: a', 'web:', BUSYBOX, '  host: b', '  links: [db]'],
      line: 7,
      col: 11,
      path: 'web.links[0]',
      message: /^web \(host "b"\) links to db on another host \("a"\)$/,
      hint: /same host.*forwarded port/,
    },
    { name: 'link to itself', lines: ['web:', BUSYBOX, '  links: [web]'], line: 3, col: 11, path: 'web.links[0]', message: /^web links to itself$/, hint: /localhost/ },
    { name: 'link to itself under an alias', lines: ['web:', BUSYBOX, '  links: ["web:www"]'], line: 3, col: 11, path: 'web.links[0]', message: /^web links to itself$/, hint: /remove the link/ },
    {
      name: 'one alias for two containers',
      lines: ['db:', BUSYBOX, 'cache:', BUSYBOX, 'web:', BUSYBOX, '  links: ["db:store", "cache:store"]'],
      line: 7,
      col: 23,
      path: 'web.links[1]',
      message: /^link name "store" is used twice in web \(first by web\.links\[0\]\)$/,
      hint: /^give each link its own alias$/,
    },
    {
      name: 'the same link twice',
      lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: [db, db]'],
      line: 5,
      col: 15,
      path: 'web.links[1]',
      message: /^link name "db" is used twice in web/,
      hint: /own alias/,
    },
    {
      name: 'an alias that differs only in case',
      lines: ['db:', BUSYBOX, 'cache:', BUSYBOX, 'web:', BUSYBOX, '  links: ["db:Store", "cache:store"]'],
      line: 7,
      col: 23,
      path: 'web.links[1]',
      message: /^link name "store" is used twice in web/,
      hint: /own alias/,
    },
    { name: 'a link with two colons', lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: ["db:x:y"]'], line: 5, col: 11, path: 'web.links[0]', message: /^invalid link "db:x:y"$/, hint: /"name:alias"/ },
    { name: 'a link without a target', lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: [":x"]'], line: 5, col: 11, path: 'web.links[0]', message: /^invalid link ":x"$/, hint: /a container name/ },
    { name: 'a link with a bad alias', lines: ['db:', BUSYBOX, 'web:', BUSYBOX, '  links: ["db:-x"]'], line: 5, col: 11, path: 'web.links[0]', message: /^invalid alias in link "db:-x": invalid fqdn "-x"/, hint: /DNS name/ },
  ];

  it.each(cases)('$name', (c) => {
    const err = failOf(c.lines);
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toMatch(c.message);
    expect(err.location).toEqual(at(c.line, c.col, c.path));
    expect(err.hint).toMatch(c.hint);
  });
});
