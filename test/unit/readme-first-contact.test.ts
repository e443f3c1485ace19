// The README's first contact is two commands, one for the demo and one for the tests: both are scripts of this
// repository (they must run before node_modules exists), and CI runs the README's test command and nothing else.

import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** The commands of the first code block under `## First contact`, without their comments. */
function firstContactCommands(): string[] {
  const readme = read('README.md');
  const at = readme.indexOf('\n## First contact');
  expect(at, 'README has a "## First contact" section').toBeGreaterThan(0);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))?.[1] ?? '';
  return block.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

const executable = (file: string) => {
  try {
    accessSync(path.join(ROOT, file), constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

describe('README first contact', () => {
  const commands = firstContactCommands();

  it('is two commands, each an executable script in bin/', () => {
    expect(commands).toEqual(['./bin/demo', './bin/test']);
    for (const c of commands) expect(executable(c), `${c} is executable`).toBe(true);
  });

  it('says both need root', () => {
    const readme = read('README.md');
    const section = readme.slice(readme.indexOf('\n## First contact'), readme.indexOf('\n## ', readme.indexOf('\n## First contact') + 1));
    expect(section).toMatch(/need root/);
  });

  it('is what .ci/run runs, and nothing else', () => {
    const steps = read('.ci/run').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(set |cd )/.test(l));
    expect(steps).toEqual([`exec ${commands[1]} "$@"`]);
  });

  it('is what npm run demo and npm test run', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(`./${scripts.demo}`).toBe(commands[0]);
    expect(`./${scripts.test}`).toBe(commands[1]);
  });
});
