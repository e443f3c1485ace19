// What may appear in a value that reaches a command line, an LXC config or mount entry, a hook or
// a netfilter rule. Commands run without a shell, but a template is itself a shell script, and a
// value that looked like `$(...)` or `-o` would only take one mistake downstream to run: refuse
// them all, the same way in the spec loader and in the agent.

/** Whitespace, shell syntax, LXC's `#` comments and `,` option separators, `\` escapes. */
const UNSAFE = /[\s\\#,$`;|&<>()'"*?[\]{}!]/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export const SAFE_TEXT_RULE =
  'no whitespace, control characters or any of \\ # , $ ` ; | & < > ( ) \' " * ? [ ] { } !';

/** The first character of `text` that is not plain text, described for a message, or undefined. */
export function findUnsafeChar(text: string): string | undefined {
  const control = CONTROL.exec(text);
  if (control) return control[0] === '\0' ? 'NUL' : `control character U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  const m = UNSAFE.exec(text);
  if (!m) return undefined;
  return /\s/.test(m[0]) ? 'whitespace' : `"${m[0]}"`;
}

/** Why `value` (a template argument) is unsafe as one argv entry, or undefined. */
export function describeUnsafeArg(value: string): string | undefined {
  if (value.startsWith('-')) return 'starts with "-" (it would be read as an option)';
  const bad = findUnsafeChar(value);
  return bad === undefined ? undefined : `contains ${bad}`;
}

/**
 * Why `path` is not a plain absolute path, or undefined: it must start with `/`, and have no `..`
 * segment, no segment starting with `-`, and no unsafe character.
 */
export function describeUnsafePath(path: string): string | undefined {
  if (!path.startsWith('/')) return 'is not absolute';
  const bad = findUnsafeChar(path);
  if (bad !== undefined) return `contains ${bad}`;
  const segments = path.split('/');
  if (segments.includes('..')) return 'contains a ".." segment';
  if (segments.some((s) => s.startsWith('-'))) return 'has a segment starting with "-" (it could be read as an option)';
  return undefined;
}
