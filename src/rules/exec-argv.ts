// What `locker exec` may run: an argv array of plain strings, within what execve takes (MAX_ARG_STRLEN
// is 128 KiB per argument on Linux) and one NATS message holds. The CLI and the agent apply the same rule.

export const EXEC_MAX_ARGS = 4096;
export const EXEC_MAX_BYTES = 256 * 1024;

const utf8 = new TextEncoder();

/** Why `argv` cannot be run, or undefined when it can. `argv` may be anything a message carried. */
export function describeBadArgv(argv: unknown): string | undefined {
  if (!Array.isArray(argv)) return 'is not a list of strings';
  if (argv.length === 0) return 'is empty: name the program to run';
  if (argv.length > EXEC_MAX_ARGS) return `has ${argv.length} arguments; at most ${EXEC_MAX_ARGS}`;
  let bytes = 0;
  for (const [i, arg] of argv.entries()) {
    if (typeof arg !== 'string') return `argument ${i} is not a string`;
    if (arg.includes('\0')) return `argument ${i} holds a NUL character`;
    bytes += utf8.encode(arg).length + 1;
  }
  if ((argv[0] as string) === '') return 'names no program (its first argument is empty)';
  if (bytes > EXEC_MAX_BYTES) return `is ${bytes} bytes long; at most ${EXEC_MAX_BYTES}`;
  return undefined;
}
