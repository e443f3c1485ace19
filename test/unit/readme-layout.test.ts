// The README's layout table is the map of the repository: every folder of code is on it, everything on
// it exists, and it says what each one is (the transport is not "in-process today": NATS is there too).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The paths named in the first column of the table under `## Layout`. */
function layoutPaths(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Layout\n'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split(' | ')[0] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const folders = (dir: string) =>
  readdirSync(path.join(ROOT, dir)).filter((name) => statSync(path.join(ROOT, dir, name)).isDirectory()).map((name) => `${path.join(dir, name)}/`);

describe('README layout table', () => {
  const listed = layoutPaths();

  it('lists every folder of code: the top-level ones and each under src/', () => {
    const code = ['plans/', 'machines/', 'agents/', 'bench/', 'bin/', 'examples/', 'test/', ...folders('src')];
    for (const folder of code) expect(listed, `README layout lists ${folder}`).toContain(folder);
  });

  it('names nothing that does not exist', () => {
    for (const p of listed) expect(existsSync(path.join(ROOT, p)), `${p} exists`).toBe(true);
  });

  it('says the transport has both sides', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).not.toMatch(/in-process today/);
    const transport = readme.split('\n').find((l) => l.startsWith('| `src/transport/`'));
    expect(transport).toMatch(/in-process/);
    expect(transport).toMatch(/NATS/);
  });
});
