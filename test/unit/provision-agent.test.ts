// The agent's side of provision, without LXC: it refuses hostile provision jobs on its own, its host argv
// is fixed (the command is one entry after `--`, for the container's shell), its record round-trips
// through Locker's block, and the output tail it keeps is the end of what was printed.

import { describe, expect, it } from 'vitest';
import { validateJob } from '../../agents/index.js';
import { OUTPUT_TAIL_CHARS, OutputTail } from '../../agents/output-tail.js';
import type { ActionParams } from '../../plans/types.js';
import { attachShellArgv, parseLockerBlock, parseManagedBlock, renderBlock } from '../../src/lxc/index.js';
import { hasDefaultRoute4, hasDefaultRoute6 } from '../../src/lxc/wait-network.js';
import { makeAction, makeJob } from '../helpers/actions.js';
import { thrown } from '../helpers/errors.js';

const MARKER = 'touch /tmp/locker-marker';
const provision = (commands: unknown): ActionParams => ({ kind: 'provision', commands } as ActionParams);

describe('hostile provision jobs', () => {
  it.each<[string, unknown, RegExp]>([
    ['no commands', [], /1 to 200 commands, not 0/],
    ['an empty command', [{ run: '   ' }], /commands\[0\]: the command is empty/],
    ['a NUL in a command', [{ run: 'echo a\0b' }], /commands\[0\]: the command contains NUL/],
    ['an escape character in a command', [{ run: 'echo \u001b[2J' }], /control character U\+001B/],
    ['a variable name that is an option', [{ run: 'true', env: { '-h': 'x' } }], /variable name "-h"/],
    ['a variable name with "="', [{ run: 'true', env: { 'A=B': 'x' } }], /variable name "A=B"/],
    ['a variable name with $(...)', [{ run: 'true', env: { [`$(${MARKER})`]: 'x' } }], /variable name/],
    ['a newline in a variable value', [{ run: 'true', env: { A: 'x\n--set-var B=y' } }], /variable A contains control character U\+000A/],
    ['201 commands', Array.from({ length: 201 }, () => ({ run: 'true' })), /not 201/],
  ])('refuses %s', (_what, commands, message) => {
    const e = thrown(() => validateJob(makeJob(makeAction(provision(commands))), 'local'));
    expect(e.code).toBe('PLAN_INVALID');
    expect(e.message).toMatch(message);
    expect(e.message).not.toMatch(/\n/);
  });

  it('accepts shell syntax in a command: it is the user\'s own code, for the container\'s shell only', () => {
    const commands = [{ run: `$(${MARKER}); ${MARKER} && \`id\` | cat > /x\nsecond line`, env: { A: '$(id); rm -rf /' } }];
    expect(() => validateJob(makeJob(makeAction(provision(commands))), 'local')).not.toThrow();
  });
});

describe('the host argv of a provision command', () => {
  it('is fixed: the command is one argv entry after `--`, read only by /bin/sh inside the container', () => {
    const run = `x; ${MARKER}; $(${MARKER}) \`${MARKER}\` -- -n other`;
    const argv = attachShellArgv('/var/lib/lxc', 'demo_web', { run, env: { A: '-P /tmp; $(id)', B: 'c' } });
    expect(argv).toEqual([
      '-n', 'demo_web', '-P', '/var/lib/lxc', '--clear-env',
      '--set-var', 'A=-P /tmp; $(id)', '--set-var', 'B=c',
      '--', '/bin/sh', '-c', run,
    ]);
    // Nothing the user wrote comes before `--` but NAME=VALUE entries, each right after --set-var.
    const dash = argv.indexOf('--');
    argv.slice(0, dash).forEach((arg, i, head) => {
      if (arg.includes(MARKER) || arg.includes('$(')) expect(head[i - 1]).toBe('--set-var');
    });
  });

  it('with no env sets nothing but what lxc-attach sets itself', () => {
    expect(attachShellArgv('/p', 'demo_web', { run: 'true' })).toEqual(['-n', 'demo_web', '-P', '/p', '--clear-env', '--', '/bin/sh', '-c', 'true']);
  });
});

describe('the provision record in Locker\'s block', () => {
  const digest = 'ab'.repeat(32);
  it.each(['done', 'failed'] as const)('round-trips a %s record', (state) => {
    const text = `lxc.rootfs.path = dir:/x\n${renderBlock({ project: 'demo', container: 'web', mounts: [], provision: { digest, state } })}`;
    expect(parseLockerBlock(text)?.provision).toEqual({ digest, state });
    expect(parseManagedBlock(text)?.provision).toEqual({ digest, state });
    expect(text).toContain(`# locker:provision=${digest} ${state}\n# locker:end`);
  });

  it('a hand-edited record line is refused as a corrupt block', () => {
    const text = renderBlock({ project: 'demo', container: 'web', mounts: [], provision: { digest, state: 'done' } }).replace(' done', ' maybe');
    expect(thrown(() => parseLockerBlock(text, 'config')).message).toMatch(/unexpected line in the Locker block: "# locker:provision=/);
  });
});

describe('the output tail', () => {
  it('passes complete lines on as they come, and ends a partial one at flush', () => {
    const seen: string[][] = [];
    const out = new OutputTail((lines) => seen.push(lines));
    out.write('one\ntw');
    out.write('o\r\nthree');
    out.flush();
    expect(seen).toEqual([['one'], ['two'], ['three']]);
    expect(out.tail()).toBe('one\ntwo\nthree');
  });

  it('keeps the last ~4 KiB: whole lines where they fit', () => {
    const out = new OutputTail();
    for (let i = 0; i < 1000; i++) out.write(`line ${i}\n`);
    const tail = out.tail()!;
    expect(tail.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS);
    expect(tail.length).toBeGreaterThan(OUTPUT_TAIL_CHARS - 20);
    expect(tail.endsWith('line 999')).toBe(true);
  });

  it('nothing printed: no tail', () => {
    expect(new OutputTail().tail()).toBeUndefined();
  });
});

describe('the network wait reads the container\'s routes', () => {
  const v4 = (rows: string[]) => ['Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT', ...rows].join('\n');
  it('a default IPv4 route counts; a subnet route alone does not', () => {
    expect(hasDefaultRoute4(v4(['eth0\t00000000\t0103000A\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'eth0\t0003000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0']))).toBe(true);
    expect(hasDefaultRoute4(v4(['eth0\t0003000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0']))).toBe(false);
    expect(hasDefaultRoute4('')).toBe(false);
  });

  it('an IPv6 default through a gateway counts; the kernel\'s reject route on lo does not', () => {
    const zero = '0'.repeat(32);
    const reject = `${zero} 00 ${zero} 00 ${zero} ffffffff 00000001 00000000 00200200       lo`;
    const viaGateway = `${zero} 00 ${zero} 00 fd420000000000000000000000000001 00000400 00000001 00000000 00450003     eth0`;
    expect(hasDefaultRoute6(reject)).toBe(false);
    expect(hasDefaultRoute6(`${reject}\n${viaGateway}`)).toBe(true);
  });
});

describe('provision on the wire and the command line', () => {
  it('an output message and a result with an output tail survive encode and decode', async () => {
    const { resultMessage } = await import('../../src/transport/wire/index.js');
    const output = { type: 'output' as const, runId: 'r1', actionId: 'local/web/provision', attempt: 1, host: 'local', part: 0, lines: ['a', 'b c'] };
    expect(resultMessage.decode(new TextEncoder().encode(resultMessage.encode(output)), 'locker.results.local')).toEqual(output);
    const finished = { type: 'finished' as const, runId: 'r1', actionId: 'local/web/provision', attempt: 1, host: 'local', result: { ok: false as const, error: { name: 'LockerError' as const, code: 'PROVISION_FAILED' as const, message: 'm', retryable: false }, output: 'tail' } };
    expect(resultMessage.decode(new TextEncoder().encode(resultMessage.encode(finished)), 'locker.results.local')).toEqual(finished);
  });

  it('--reprovision belongs to up and plan', async () => {
    const { parseCli } = await import('../../src/cli/args.js');
    expect(parseCli(['up', '--reprovision'], {}).options.reprovision).toBe(true);
    expect(parseCli(['plan', '--reprovision', 'web'], {}).options.reprovision).toBe(true);
    expect(parseCli(['up'], {}).options.reprovision).toBe(false);
    const e = thrown(() => parseCli(['down', '--reprovision'], {}));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('--reprovision applies to up and plan, not down');
  });
});
