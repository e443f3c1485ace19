// Changing commands ask on a terminal, take --yes, and refuse without --yes when nobody can answer.

import { createInterface } from 'node:readline/promises';
import { LockerError } from '../errors.js';
import type { Io } from './output.js';

export async function confirmChange(io: Io, yes: boolean, question: string): Promise<boolean> {
  if (yes) return true;
  if (!io.interactive) {
    throw new LockerError('CONFIRMATION_REQUIRED', 'refusing to change hosts without confirmation: stdin is not a terminal', {
      hint: 'review the plan, then run again with --yes',
    });
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${question} Only 'yes' will be accepted: `);
    return answer.trim() === 'yes';
  } finally {
    rl.close();
  }
}
