// Provision commands: the user's own shell code, run inside a container by `/bin/sh -c`, never on the host.
// The rules for one command, shared by the spec loader and the agent, which checks every job again.

/** One command as a job carries it: the shell text, and variables set for it inside (nothing else is). */
export interface ProvisionCommand {
  run: string;
  /** Absent when the command sets none. */
  env?: Record<string, string>;
}

export const PROVISION_LIMITS = {
  /** Commands in one container's list. */
  commands: 200,
  /** Characters of one command: one argv entry, well under the kernel's 128 KiB for one argument. */
  runLength: 65_536,
  /** Variables of one command. */
  envVars: 100,
  /** Characters of one variable's value. */
  envValueLength: 4096,
} as const;

/** A POSIX shell variable name: what `--set-var NAME=VALUE` may name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const ENV_NAME_RULE = 'a variable name is letters, digits and "_", not starting with a digit';

// A command may span lines (a YAML block) and hold tabs; no other control character, and never NUL.
const COMMAND_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const VALUE_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function describeControl(c: string): string {
  return c === '\0' ? 'NUL' : `control character U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `run` cannot be a provision command, or undefined. */
export function describeBadRun(run: string): string | undefined {
  if (run.trim() === '') return 'is empty';
  if (run.length > PROVISION_LIMITS.runLength) return `is ${run.length} characters long; the limit is ${PROVISION_LIMITS.runLength}`;
  const m = COMMAND_CONTROL.exec(run);
  return m ? `contains ${describeControl(m[0])} (only newlines and tabs may break a command's text)` : undefined;
}

/** Why `value` cannot be the value of a command's variable, or undefined. */
export function describeBadEnvValue(value: string): string | undefined {
  if (value.length > PROVISION_LIMITS.envValueLength) return `is ${value.length} characters long; the limit is ${PROVISION_LIMITS.envValueLength}`;
  const m = VALUE_CONTROL.exec(value);
  return m ? `contains ${describeControl(m[0])}` : undefined;
}

/** The command's first line, shortened: how messages name it. */
export function labelCommand(run: string): string {
  const lines = run.trim().split('\n');
  const first = lines[0]!.trim();
  const short = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return lines.length > 1 ? `${short} ...` : short;
}
