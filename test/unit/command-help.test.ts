// Each command's help: its usage first, its own options, and the shared ones as the general help words them.

import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/args.js';
import { helpFor } from '../../src/cli/command-help.js';
import { HELP } from '../../src/cli/help.js';
import { thrown } from '../helpers/errors.js';

describe('helpFor', () => {
  it('no topic, or help itself: the general help', () => {
    expect(helpFor(undefined)).toBe(HELP);
    expect(helpFor('help')).toBe(HELP);
  });

  it.each(COMMANDS.filter((c) => c !== 'help'))('%s: usage, what it does, options from the general help', (command) => {
    const text = helpFor(command);
    expect(text.split('\n')[0]).toMatch(new RegExp(`^Usage: locker ${command}\\b`));
    const options = text.split('\nOptions:\n')[1]?.split('\n\n')[0]?.split('\n') ?? [];
    for (const line of options) {
      // A shared option's line is the general help's, word for word; its own lines are laid out the same way.
      expect(line).toMatch(/^ {2}(-\w, | {4})--[a-z-]+/);
    }
  });

  it('the shared options are worded once: in the general help', () => {
    const plan = helpFor('plan');
    for (const flag of ['--file FILE', '--json', '--nats URL', '--nats-replicas N', '--no-move']) {
      const line = plan.split('\n').find((l) => l.includes(flag));
      expect(HELP.split('\n'), flag).toContain(line);
    }
  });

  it('an unknown command is a usage error', () => {
    const error = thrown(() => helpFor('frobnicate'));
    expect(error.code).toBe('USAGE');
    expect(error.hint).toMatch(/nats-config/);
  });
});
