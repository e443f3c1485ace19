// Refuses control characters and overlong strings anywhere in the spec: every string ends up in
// a file name, a config line or an argv, where a newline or NUL would split or truncate it.
import { describeLength, SPEC_LIMITS } from './limits.js';
import { specError, type Segment } from './spec-error.js';
import { isPlainMap } from './validate-shape.js';
import type { YamlSource } from './yaml-source.js';

// C0 controls (including tab, newline, NUL), DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Recursive: readYaml has already bounded the depth of the data. */
export function rejectControlChars(src: YamlSource): void {
  const walk = (value: unknown, at: Segment[]): void => {
    // A provision command is shell text: it may span lines, and has its own rules (src/rules/provision.ts).
    if (typeof value === 'string') {
      if (!isProvisionCommand(at)) check(value, 'value', () => src.at(at), at);
    }
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...at, i]));
    else if (isPlainMap(value)) {
      for (const [key, item] of Object.entries(value)) {
        // The key's own path would print the bad character, so the error names its parent.
        check(key, 'key', () => ({ ...src.keyAt([...at, key]), path: src.at(at).path }), [...at, key]);
        walk(item, [...at, key]);
      }
    }
  };
  walk(src.data, []);
}

function check(text: string, kind: 'key' | 'value', where: () => ReturnType<YamlSource['at']>, at: Segment[]): void {
  const m = CONTROL.exec(text);
  if (m) {
    const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    const what = at.length === 0 ? 'the spec' : 'this value';
    throw specError(`control character ${code} in ${what}`, where(), 'spec values are single-line text: remove tabs, newlines and other control characters');
  }
  const limit = kind === 'key' ? SPEC_LIMITS.keyLength : SPEC_LIMITS.valueLength;
  if (text.length > limit) {
    throw specError(describeLength(`this ${kind}`, text.length, limit), where(), 'spec values are names, paths and short settings: shorten it');
  }
}

/** `….provision[i]` or `….provision[i].run`: the text of a provision command. */
export function isProvisionCommand(at: readonly Segment[]): boolean {
  const n = at.length;
  if (n >= 2 && at[n - 2] === 'provision' && typeof at[n - 1] === 'number') return true;
  return n >= 3 && at[n - 3] === 'provision' && typeof at[n - 2] === 'number' && at[n - 1] === 'run';
}
