// The LockerError a call must fail with, for assertions on its code, message and hint.

import { expect } from 'vitest';
import { LockerError } from '../../src/errors.js';

/** What `fn` throws; the test fails unless it throws a LockerError. */
export function thrown(fn: () => unknown): LockerError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LockerError);
    return e as LockerError;
  }
  throw new Error('expected a LockerError, nothing was thrown');
}

/** What `promise` rejects with; the test fails unless it rejects with a LockerError. */
export async function rejection(promise: Promise<unknown>): Promise<LockerError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockerError);
  return error as LockerError;
}
