// `$name`, `${name}`, `$project`, `$fqdn` in spec strings. A placeholder is a whole word of
// letters, so `$project_$name` is two placeholders and `$names` is an unknown one.
import { bad, ok, type Checked } from './spec-error.js';

export const PLACEHOLDERS = ['name', 'project', 'fqdn'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Values of the placeholders for one container; a missing value makes its use an error. */
export type PlaceholderValues = Partial<Record<Placeholder, string>>;

const TOKEN = /\$(?:\{([^}]*)\}|([A-Za-z]+)|(\$)|)/g;

const known = PLACEHOLDERS.map((p) => `$${p}`).join(', ');

export function expandPlaceholders(text: string, values: PlaceholderValues): Checked<string> {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    out += text.slice(last, m.index);
    last = m.index + m[0].length;
    if (m[3] !== undefined) {
      out += '$'; // `$$` is a literal dollar
      continue;
    }
    const word = m[1] ?? m[2];
    if (word === undefined) {
      return bad(`lone "$" in "${text}"`, `placeholders are ${known}; write $$ for a literal $`);
    }
    if (!(PLACEHOLDERS as readonly string[]).includes(word)) {
      return bad(`unknown placeholder "${m[0]}" in "${text}"`, `known placeholders: ${known}; write $$ for a literal $`);
    }
    const value = values[word as Placeholder];
    if (value === undefined) {
      return bad(`"${m[0]}" is used but the container has no ${word}`, `set \`${word}:\` on the container, or remove the placeholder`);
    }
    out += value;
  }
  return ok(out + text.slice(last));
}
