// Changing commands ask on a terminal, take --yes, and refuse without --yes when nobody can answer.

import { createInterface } from 'node:readline/promises';
import { LockerError } from '../errors.js';
import type { Io } from './output.js';

/** What is refused without a terminal, and what to do: `change hosts`, `review the plan`. */
export interface Refused {
  what: string;
  hint: string;
}

const CHANGE: Refused = { what: 'change hosts', hint: 'review the plan, then run again with --yes' };

export async function confirmChange(io: Io, yes: boolean, question: string, refused: Refused = CHANGE): Promise<boolean> {
  if (yes) return true;
  if (!io.interactive) {
    throw new LockerError('CONFIRMATION_REQUIRED', `refusing to ${refused.what} without confirmation: stdin is not a terminal`, {
      hint: refused.hint,
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
