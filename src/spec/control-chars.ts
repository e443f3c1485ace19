// Refuses control characters anywhere in the spec: every string ends up in a file name, a
// config line or an argv, where a newline or NUL would split or truncate it.
import { specError, type Segment } from './spec-error.js';
import { isPlainMap } from './validate-shape.js';
import type { YamlSource } from './yaml-source.js';

// C0 controls (including tab, newline, NUL), DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function rejectControlChars(src: YamlSource): void {
  const walk = (value: unknown, at: Segment[]): void => {
    if (typeof value === 'string') check(value, () => src.at(at), at);
    else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...at, i]));
    else if (isPlainMap(value)) {
      for (const [key, item] of Object.entries(value)) {
        // The key's own path would print the bad character, so the error names its parent.
        check(key, () => ({ ...src.keyAt([...at, key]), path: src.at(at).path }), [...at, key]);
        walk(item, [...at, key]);
      }
    }
  };
  walk(src.data, []);
}

function check(text: string, where: () => ReturnType<YamlSource['at']>, at: Segment[]): void {
  const m = CONTROL.exec(text);
  if (!m) return;
  const code = `U+${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  const what = at.length === 0 ? 'the spec' : 'this value';
  throw specError(`control character ${code} in ${what}`, where(), 'spec values are single-line text: remove tabs, newlines and other control characters');
}
