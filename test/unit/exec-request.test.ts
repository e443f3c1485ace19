// `locker exec` requests: the CLI splits Locker's words from the command's, and an agent refuses, on its
// own, a request that is not one (wire schema) or names what it may not touch (names, LXC name, argv).

import { describe, expect, it } from 'vitest';
import { validateExec } from '../../agents/validate-exec.js';
import { parseCli, splitExec } from '../../src/cli/args.js';
import { LockerError } from '../../src/errors.js';
import { EXEC_MAX_ARGS, EXEC_MAX_BYTES } from '../../src/rules/index.js';
import type { ExecRequest } from '../../src/transport/types.js';
import { execOutputMessage, execRequestMessage } from '../../src/transport/wire/index.js';
import { thrown } from '../helpers/errors.js';

describe('splitExec', () => {
  it.each([
    ['the command after the container', ['exec', 'web', 'ls', '-la'], ['exec', 'web'], ['ls', '-la']],
    ['a leading -- dropped', ['exec', 'web', '--', 'ls', '-la'], ['exec', 'web'], ['ls', '-la']],
    ['only the first --', ['exec', 'web', '--', 'sh', '--', 'x'], ['exec', 'web'], ['sh', '--', 'x']],
    ["Locker's options before the container stay Locker's", ['-P', '/x', 'exec', '-p', 'demo', 'web', '-p', 'q'], ['-P', '/x', 'exec', '-p', 'demo', 'web'], ['-p', 'q']],
    ['an option with its value inline', ['exec', '--project=exec', 'web', 'id'], ['exec', '--project=exec', 'web'], ['id']],
    ['a -- before the container', ['exec', '--', 'web', 'id', '-u'], ['exec', '--', 'web'], ['id', '-u']],
    ['no command', ['exec', 'web'], ['exec', 'web'], []],
  ])('%s', (_name, argv, own, execArgv) => {
    expect(splitExec(argv)).toEqual({ own, execArgv });
  });

  it('leaves every other command alone, even with exec among its words', () => {
    expect(splitExec(['stop', 'exec', '-t', '3'])).toEqual({ own: ['stop', 'exec', '-t', '3'] });
    expect(splitExec(['-f', 'exec', 'plan'])).toEqual({ own: ['-f', 'exec', 'plan'] });
  });

  it('parseCli gives exec its container and command, and no other command an execArgv', () => {
    expect(parseCli(['exec', 'web', 'ls', '-la', '--json'], {})).toMatchObject({ command: 'exec', rest: ['web'], execArgv: ['ls', '-la', '--json'] });
    expect(parseCli(['exec', 'web', 'ls'], {}).options.json).toBe(false);
    expect(parseCli(['status', 'web'], {}).execArgv).toBeUndefined();
    expect(thrown(() => parseCli(['exec', '-t', '3', 'web', 'true'], {}))).toMatchObject({ code: 'USAGE' });
  });
});

const good: ExecRequest = { project: 'demo', container: 'web', lxcName: 'demo_web', argv: ['sh', '-c', 'echo hi'] };

describe('validateExec (the agent refuses on its own)', () => {
  it('accepts a well-formed request, shell metacharacters in arguments included (they reach execve as they are)', () => {
    expect(() => validateExec(good)).not.toThrow();
    expect(() => validateExec({ ...good, argv: ['sh', '-c', '$(reboot); `id`; rm -rf / #', '"\'\n'] })).not.toThrow();
  });

  it.each([
    ['a project name with a path in it', { project: '../etc' }, 'project name "../etc" is not allowed'],
    ['a project name with a space and a semicolon', { project: 'demo; id' }, 'project name "demo; id" is not allowed'],
    ['a container name with a slash', { container: 'web/../../x' }, 'container name "web/../../x" is not allowed'],
    ['an LXC name of another container', { lxcName: 'demo_db' }, 'lxc name "demo_db" is not "demo_web"'],
    ['an LXC name of another project', { lxcName: 'other_web' }, 'lxc name "other_web" is not "demo_web"'],
    ['an empty argv', { argv: [] }, 'the command is empty: name the program to run'],
    ['an empty program', { argv: ['', 'x'] }, 'the command names no program (its first argument is empty)'],
    ['a NUL in an argument', { argv: ['ls', 'a\0b'] }, 'the command argument 1 holds a NUL character'],
    ['a number in argv', { argv: ['ls', 3] }, 'the command argument 1 is not a string'],
    ['argv as a shell line', { argv: 'rm -rf /' }, 'the command is not a list of strings'],
    ['too many arguments', { argv: Array.from({ length: EXEC_MAX_ARGS + 1 }, () => 'x') }, `the command has ${EXEC_MAX_ARGS + 1} arguments; at most ${EXEC_MAX_ARGS}`],
    ['too many bytes', { argv: ['echo', 'x'.repeat(EXEC_MAX_BYTES)] }, `the command is ${EXEC_MAX_BYTES + 6} bytes long; at most ${EXEC_MAX_BYTES}`],
  ])('refuses %s', (_name, change, why) => {
    const e = thrown(() => validateExec({ ...good, ...change } as unknown as ExecRequest)) as LockerError;
    expect(e).toMatchObject({ code: 'MESSAGE_INVALID', message: `exec request refused: ${why}` });
  });
});

describe('exec messages on the wire', () => {
  const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const request = { execId: 'a'.repeat(32), ...good };

  it('a request goes through encode and decode unchanged', () => {
    expect(execRequestMessage.decode(new TextEncoder().encode(execRequestMessage.encode(request)), 'locker.exec.h1')).toEqual(request);
  });

  it.each([
    ['argv as one string', { argv: 'sh -c id' }, 'argv: '],
    ['an argument that is an object', { argv: ['sh', { $gt: '' }] }, 'argv.1: '],
    ['an execId that could add subject tokens', { execId: 'a.b.>' }, 'execId: '],
    ['a field the agent does not know', { env: { LD_PRELOAD: '/x.so' } }, 'Unrecognized key'],
  ])('an agent refuses a request with %s before anything runs', (_name, change, where) => {
    const e = thrown(() => execRequestMessage.decode(bytes({ ...request, ...change }), 'locker.exec.h1'));
    expect(e).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect((e as LockerError).message).toContain(where);
  });

  it('output messages round-trip; the control point refuses one that is not base64 or has no seq', () => {
    const out = { seq: 0, type: 'out', stream: 'stdout', data: Buffer.from([0xff, 0]).toString('base64') } as const;
    expect(execOutputMessage.decode(bytes(out), 's')).toEqual(out);
    expect(thrown(() => execOutputMessage.decode(bytes({ ...out, data: 'not base64!' }), 's'))).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(thrown(() => execOutputMessage.decode(bytes({ type: 'exit', exitCode: 0 }), 's'))).toMatchObject({ code: 'MESSAGE_INVALID' });
  });
});
