// `provision:`: the shapes a spec may give it, each wrong one refused at its own line:col and spec path,
// and the digest that decides whether it runs again (what runs, not how it was written).

import { describe, expect, it } from 'vitest';
import { provisionCommands, provisionDigest } from '../../plans/index.js';
import { loadSpec } from '../../src/spec/index.js';
import { thrown } from '../helpers/errors.js';

function load(lines: string[]) {
  return loadSpec({ text: lines.join('\n') + '\n', file: 'locker.yml', project: 'demo', specDir: '/srv/demo' });
}

const web = (...provision: string[]) => ['web:', '  template: busybox', '  provision:', ...provision];

describe('provision in the spec', () => {
  it('reads strings and {run, env} maps in order; numbers keep their spelling; env is sorted', () => {
    const spec = load(web('    - apk add curl', '    - run: echo "$B $A" > /etc/motd', '      env: {B: hello, A: 1.10, C: true}'));
    const c = spec.containers[0]!;
    expect(c.provision?.map(({ ref: _ref, ...rest }) => rest)).toEqual([
      { run: 'apk add curl' },
      { run: 'echo "$B $A" > /etc/motd', env: { A: '1.10', B: 'hello', C: 'true' } },
    ]);
    expect(Object.keys(c.provision![1]!.env!)).toEqual(['A', 'B', 'C']);
    expect(c.provision![1]!.ref).toMatchObject({ line: 5, col: 7, path: 'web.provision[1]' });
  });

  it('takes a multi-line YAML block as one command (newlines and tabs are shell text)', () => {
    const spec = load(web('    - |', '      set -e', '      \techo one', '      echo two'));
    expect(spec.containers[0]!.provision![0]!.run).toBe('set -e\n\techo one\necho two\n');
  });

  it('inherits defaults.provision, and a container\'s own list replaces it', () => {
    const spec = load(['defaults:', '  provision: ["echo default"]', 'containers:', '  a:', '    template: busybox', '  b:', '    template: busybox', '    provision: ["echo own"]']);
    const [a, b] = spec.containers;
    expect(a!.provision!.map((p) => p.run)).toEqual(['echo default']);
    expect(a!.provision![0]!.ref.path).toBe('defaults.provision[0]');
    expect(b!.provision!.map((p) => p.run)).toEqual(['echo own']);
  });

  it('an empty list is no list: the spec digest is that of a spec without the key', () => {
    const without = load(['web:', '  template: busybox']);
    const empty = load(web('    []').slice(0, 2).concat(['  provision: []']));
    expect(empty.containers[0]!.provision).toBeUndefined();
    expect(empty.digest).toBe(without.digest);
  });

  it.each<[string, string[], number, number, string, RegExp, RegExp?]>([
    ['not a list', ['web:', '  template: busybox', '  provision: "apk add curl"'], 3, 14, 'web.provision', /^provision must be a list of commands$/, /provision: \[/],
    ['a number entry', web('    - 42'), 4, 7, 'web.provision[0]', /command string or a map with `run`, not the number 42/],
    ['a list entry', web('    - [a, b]'), 4, 7, 'web.provision[0]', /not a list/],
    ['an empty command', web('    - "echo ok"', '    - "  "'), 5, 7, 'web.provision[1]', /^provision command is empty$/],
    ['a map without run', web('    - env: {A: b}'), 4, 7, 'web.provision[0]', /^a provision command needs `run`$/],
    ['a misspelt key', web('    - rn: echo hi'), 4, 7, 'web.provision[0].rn', /^unknown key "rn" in a provision command$/, /did you mean "run"\?/],
    ['run not a string', web('    - run: [echo, hi]'), 4, 12, 'web.provision[0].run', /^run must be a command string, not a list$/],
    ['env not a map', web('    - run: echo', '      env: [A]'), 5, 12, 'web.provision[0].env', /^env must be a map/],
    ['a variable name with "="', web('    - run: echo', '      env: {"A=B": c}'), 5, 13, 'web.provision[0].env.A=B', /^invalid variable name "A=B"$/, /letters, digits/],
    ['a variable name starting with "-"', web('    - run: echo', '      env: {"-x": c}'), 5, 13, 'web.provision[0].env.-x', /^invalid variable name "-x"$/],
    ['a variable value that is a map', web('    - run: echo', '      env: {A: {b: c}}'), 5, 16, 'web.provision[0].env.A', /^env A must be a string, number or boolean, not a map$/],
    ['a newline in a variable value', web('    - run: echo', '      env: {A: "x\\ny"}'), 5, 16, 'web.provision[0].env.A', /control character U\+000A/],
    ['a NUL in a command', web('    - "echo \\0"'), 4, 7, 'web.provision[0]', /NUL/],
  ])('refuses %s at its line:col', (_name, lines, line, col, path, message, hint) => {
    const e = thrown(() => load(lines));
    expect(e.code).toBe('SPEC_INVALID');
    expect(e.location).toEqual({ file: 'locker.yml', line, col, path });
    expect(e.message).toMatch(message);
    if (hint) expect(e.hint).toMatch(hint);
  });

  it('refuses more than 200 commands at the first one too many', () => {
    const e = thrown(() => load(web(...Array.from({ length: 201 }, (_, i) => `    - echo ${i}`))));
    expect(e.message).toMatch(/^provision has 201 commands; the limit is 200$/);
    expect(e.location?.path).toBe('web.provision[200]');
  });

  it('a command longer than other values (64 KiB) is accepted; longer is refused', () => {
    const long = 'x'.repeat(10_000);
    expect(load(web(`    - echo ${long}`)).containers[0]!.provision![0]!.run).toHaveLength(10_005);
    const e = thrown(() => load(web(`    - echo ${'x'.repeat(70_000)}`)));
    expect(e.message).toMatch(/^provision command is 70005 characters long; the limit is 65536$/);
  });

  it('the digest follows what runs: a string and {run} are the same, env order is not, a changed env is', () => {
    const digestOf = (lines: string[]) => provisionDigest(provisionCommands(load(web(...lines)).containers[0]!));
    const plain = digestOf(['    - echo hi']);
    expect(digestOf(['    - run: echo hi'])).toBe(plain);
    expect(digestOf(['    - {run: echo hi, env: {}}'])).toBe(plain);
    expect(digestOf(['    - echo hi  # a comment'])).toBe(plain);
    expect(digestOf(['    - {run: echo, env: {A: "1", B: "2"}}'])).toBe(digestOf(['    - {run: echo, env: {B: "2", A: "1"}}']));
    expect(digestOf(['    - {run: echo, env: {A: "1"}}'])).not.toBe(digestOf(['    - {run: echo, env: {A: "2"}}']));
    expect(digestOf(['    - echo hi', '    - echo ho'])).not.toBe(digestOf(['    - echo ho', '    - echo hi']));
    expect(plain).toMatch(/^[0-9a-f]{64}$/);
  });
});
