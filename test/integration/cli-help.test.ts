// The CLI's words through the built `locker`: each command has its own help (`locker CMD --help` and
// `locker help CMD` alike), and a `--json` error carries only the fields the README lists.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/args.js';
import { LockerError } from '../../src/errors.js';
import { runLocker, show } from '../helpers/run-locker.js';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

let work: string;
const locker = (...args: string[]) => runLocker(args, { cwd: work });

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), 'locker-help-'));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('help', () => {
  let general: string;

  beforeAll(async () => {
    const r = await locker('help');
    expect(r.exitCode, show(r)).toBe(0);
    general = r.stdout;
  });

  it('locker, locker help, --help and -h print the general help', async () => {
    expect(general).toMatch(/^locker \S+: /);
    expect(general).toContain('\nCommands:\n');
    for (const args of [[], ['--help'], ['-h']]) {
      const r = await locker(...args);
      expect(r.exitCode, show(r)).toBe(0);
      expect(r.stdout).toBe(general);
    }
  });

  it.each(COMMANDS.filter((c) => c !== 'help'))('%s --help is its own, the same as help of it, and does nothing else', async (command) => {
    const flag = await locker(command, '--help');
    expect(flag.exitCode, show(flag)).toBe(0);
    expect(flag.stderr).toBe('');
    expect(flag.stdout).toMatch(new RegExp(`^Usage: locker ${command}\\b`));
    expect(flag.stdout).not.toBe(general);
    expect(flag.stdout).not.toContain('\nCommands:\n');
    const topic = await locker('help', command);
    expect(topic.exitCode, show(topic)).toBe(0);
    expect(topic.stdout).toBe(flag.stdout);
  });

  it('nats-config --help names its own options, the store folder and how to reload the server', async () => {
    const r = await locker('nats-config', '--help');
    expect(r.exitCode, show(r)).toBe(0);
    for (const option of ['--host A,B,C', '-o, --out DIR', '--nats URL', '--store DIR']) expect(r.stdout).toContain(option);
    expect(r.stdout).toMatch(/--signal reload/);
    expect(r.stdout).not.toMatch(/--parallelism|--no-move|-f, --file/);
  });

  it('options after the command do not matter: plan -o FILE --help only prints help', async () => {
    const r = await locker('plan', '-o', path.join(work, 'never.json'), '--help');
    expect(r.exitCode, show(r)).toBe(0);
    expect(r.stdout).toMatch(/^Usage: locker plan\b/);
    expect(() => readFileSync(path.join(work, 'never.json'))).toThrow();
  });

  it('help of an unknown command is a usage error', async () => {
    for (const args of [['help', 'frobnicate'], ['frobnicate', '--help']]) {
      const r = await locker(...args);
      expect(r.exitCode, show(r)).toBe(1);
      expect(r.stderr).toMatch(/^error\[USAGE\] unknown command "frobnicate"/);
    }
  });
});

/** The rows of the README's table of `--json` error fields: name → its description. */
function documentedErrorFields(): Map<string, string> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('| field | meaning |');
  expect(start, 'README: the table of --json error fields').toBeGreaterThan(0);
  const rows = text.slice(start).split('\n\n')[0]!.split('\n').slice(2);
  return new Map(rows.map((row) => [/^\| `([a-z]+)` \|/.exec(row)?.[1] ?? row, row]));
}

/** Every key of a `--json` error, its location and its causes, as `key` or `location.key`. */
function keysOf(error: Record<string, unknown>): string[] {
  const keys = Object.keys(error);
  const location = error.location as Record<string, unknown> | undefined;
  const cause = error.cause as Record<string, unknown> | undefined;
  return [...keys, ...Object.keys(location ?? {}).map((k) => `location.${k}`), ...(cause ? keysOf(cause) : [])];
}

describe('--json errors carry the fields the README lists, and only those', () => {
  const fields = documentedErrorFields();

  function expectDocumented(error: Record<string, unknown>): void {
    for (const key of keysOf(error)) {
      const [field, sub] = key.split('.') as [string, string | undefined];
      expect(fields.has(field), `README lists the error field "${field}"`).toBe(true);
      if (sub !== undefined) expect(fields.get(field), `README names location.${sub}`).toContain(`\`${sub}\``);
    }
  }

  it('the README lists exactly what an error can carry', () => {
    const full = new LockerError('LXC_COMMAND_FAILED', 'lxc-start failed', {
      hint: 'look at the log',
      location: { file: 'locker.yml', line: 3, col: 5, path: 'web.ports[0]' },
      retryable: true,
      detail: 'lxc-start -n x: exit 1',
      cause: new LockerError('INTERNAL', 'below', { cause: new Error('errno') }),
    }).toJSON();
    expect([...fields.keys()].sort()).toEqual(Object.keys(full).sort());
    expectDocumented(full as unknown as Record<string, unknown>);
  });

  it.each([
    { name: 'a usage error', args: ['frobnicate', '--json'], yaml: undefined, code: 'USAGE' },
    { name: 'a spec error with its location', args: ['plan', '--json'], yaml: 'web:\n  template: busybox\n  prots: ["80:80"]\n', code: 'SPEC_INVALID' },
    { name: 'a missing spec', args: ['validate', '--json'], yaml: null, code: 'SPEC_NOT_FOUND' },
    { name: 'an unreadable plan file', args: ['apply', 'nothing-here.json', '--json'], yaml: 'web:\n  template: busybox\n', code: 'USAGE' },
  ])('$name', async ({ args, yaml, code }) => {
    const dir = mkdtempSync(path.join(work, 'case-'));
    if (typeof yaml === 'string') writeFileSync(path.join(dir, 'locker.yml'), yaml);
    const r = await runLocker([...args, '-P', path.join(dir, 'lxc')], { cwd: dir });
    expect(r.exitCode, show(r)).toBe(1);
    const { error } = JSON.parse(r.stdout) as { error: Record<string, unknown> };
    expect(error.code).toBe(code);
    expect(Object.keys(JSON.parse(r.stdout) as object)).toEqual(['error']);
    expectDocumented(error);
    if (code === 'SPEC_INVALID') expect(Object.keys(error.location as object).sort()).toEqual(['col', 'file', 'line', 'path']);
  });
});
