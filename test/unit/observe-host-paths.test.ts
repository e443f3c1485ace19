// What an agent reports about the host folders it is asked about: the rule copy-out applies, for the
// containers it does not have yet; one it cannot look at is left out rather than guessed.

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withHostPaths } from '../../agents/observe-host-paths.js';
import { host, observedOf, container } from './plan-fixtures.js';

let dir: string;
const at = (name: string) => path.join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'locker-host-paths-'));
  mkdirSync(at('empty'));
  mkdirSync(at('full'));
  writeFileSync(path.join(at('full'), 'data'), 'x');
  writeFileSync(at('file'), 'x');
  symlinkSync(at('empty'), at('link-to-empty'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('withHostPaths', () => {
  it('missing, empty, or occupied (entries, a file, a symlink); under a file: left out', async () => {
    const names = ['missing', 'empty', 'full', 'file', 'link-to-empty', 'file/below'];
    const observed = await withHostPaths(host('local'), { volumes: [{ container: 'demo_new', hostPaths: names.map(at) }] });
    expect(observed.hostPaths).toEqual({
      [at('missing')]: 'missing',
      [at('empty')]: 'empty',
      [at('full')]: 'occupied',
      [at('file')]: 'occupied',
      [at('link-to-empty')]: 'occupied',
    });
  });

  it('only for containers the host does not have', async () => {
    const old = host('local', [observedOf(container('old'))]);
    const request = {
      volumes: [
        { container: 'demo_old', hostPaths: [at('full')] },
        { container: 'demo_new', hostPaths: [at('empty')] },
      ],
    };
    expect((await withHostPaths(old, request)).hostPaths).toEqual({ [at('empty')]: 'empty' });
  });

  it('nothing asked, or only about existing containers: the observation as it was', async () => {
    const old = host('local', [observedOf(container('old'))]);
    expect(await withHostPaths(old, undefined)).toBe(old);
    expect(await withHostPaths(old, { volumes: [{ container: 'demo_old', hostPaths: [at('empty')] }] })).toBe(old);
  });
});
