// How long a clean stop may take before the kill: `stop_timeout` of the spec, `-t` of a command, a stop job's.
// Pure constants and one check, shared by the spec, the CLI, the planner and the agent.

/** docker compose's default: a clean busybox or Debian stop fits in it. */
export const DEFAULT_STOP_TIMEOUT_S = 10;

/** A day: far beyond any clean shutdown, and well inside what a timer can hold (2^31 ms). */
export const MAX_STOP_TIMEOUT_S = 86_400;

export const STOP_TIMEOUT_RULE = `a whole number of seconds from 0 (kill at once) to ${MAX_STOP_TIMEOUT_S}`;

export function isStopTimeout(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_STOP_TIMEOUT_S;
}
