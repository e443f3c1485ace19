// `-t/--timeout SECONDS` of down, stop, rm, restart: parsed strictly, refused where no stop is asked for.

import { describe, expect, it } from 'vitest';
import { parseCli } from '../../src/cli/args.js';
import { thrown } from '../helpers/errors.js';

describe('-t/--timeout', () => {
  it.each([
    [['down', '-t', '0'], 0],
    [['stop', '--timeout', '30', 'web'], 30],
    [['rm', '-t', '86400'], 86_400],
    [['restart', '-t5'], 5],
    [['down'], undefined],
  ])('%j', (argv, seconds) => {
    expect(parseCli(argv, {}).options.stopTimeout).toBe(seconds);
  });

  it.each(['-1', '1.5', '10s', '', '86401', '1e3'])('refuses %j', (text) => {
    const e = thrown(() => parseCli(['down', `--timeout=${text}`], {}));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe(`--timeout must be a whole number of seconds from 0 (kill at once) to 86400, got "${text}"`);
  });

  it('is refused by a command that plans no stop on request', () => {
    const e = thrown(() => parseCli(['up', '-t', '3'], {}));
    expect(e.code).toBe('USAGE');
    expect(e.message).toBe('--timeout applies to down, stop, rm, restart, not up');
  });
});
