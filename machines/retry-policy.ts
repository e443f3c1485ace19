// How often each kind of action is tried, and how long to wait between tries.
// Pure: the random number for jitter comes from outside, so tests are deterministic.

import type { ActionKind } from '../plans/types.js';

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Delay before the second try; doubles each time. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
}

const host: RetryPolicy = { attempts: 4, baseMs: 500, capMs: 8_000 };

/**
 * Only errors marked retryable are retried (a failing template script is not; a container still
 * starting, a busy netfilter lock or a lost agent are). Network steps get the most patience: they wait
 * for DHCP and share the kernel's rule set with other tools.
 */
export const RETRY_POLICIES: Record<ActionKind, RetryPolicy> = {
  create: { attempts: 2, baseMs: 1_000, capMs: 5_000 },
  clone: host,
  'copy-out': { attempts: 2, baseMs: 500, capMs: 2_000 },
  'write-mounts': host,
  'install-hostname-hook': host,
  'set-network': host,
  'write-links': host,
  'set-autostart': host,
  'set-limits': host,
  'set-config': host,
  'set-dns': host,
  start: host,
  // Retryable only before any command ran (the container settling, its network coming up): a command that
  // failed is the user's to fix, then `locker retry`.
  provision: { attempts: 3, baseMs: 2_000, capMs: 10_000 },
  'forward-ports': { attempts: 5, baseMs: 1_000, capMs: 10_000 },
  'unforward-ports': { attempts: 5, baseMs: 500, capMs: 5_000 },
  stop: host,
  freeze: host,
  unfreeze: host,
  destroy: host,
};

/**
 * Delay before try `failedAttempt + 1`: exponential, capped, with "equal jitter" (half fixed, half
 * random) so retries of many containers do not hit a host at the same instant.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, failedAttempt - 1));
  return Math.round(exp / 2 + (exp / 2) * Math.min(1, Math.max(0, random)));
}

/** Whether a failed try is tried again. `firstAttempt`: the attempt this run started the action with. */
export function shouldRetry(policy: RetryPolicy, retryable: boolean, attempt: number, firstAttempt: number): boolean {
  return retryable && attempt - firstAttempt + 1 < policy.attempts;
}
