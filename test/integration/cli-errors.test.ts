// Bad input through the real CLI: one clear error with file:line:col and the spec path, exit 1,
// no stack trace, and nothing on the host touched.

import { execa } from 'execa';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker } from '../helpers/run-locker.js';

let env: LxcEnv;
let work: string;

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
  work = mkdtempSync(path.join(tmpdir(), 'locker-errors-'));
});

afterAll(async () => {
  await env?.destroyAll();
  if (work) rmSync(work, { recursive: true, force: true });
});

const cases: Array<{ name: string; yaml: string; line: number; col: number; path: string; message: RegExp }> = [
  {
    name: 'unknown key with a did-you-mean',
    yaml: 'web:\n  template: busybox\n  prots: ["80:80"]\n',
    line: 3, col: 3, path: 'web.prots', message: /did you mean "ports"/,
  },
  {
    name: 'bad port string',
    yaml: 'containers:\n  web:\n    template: busybox\n    ports:\n      - "80:80"\n      - "80:eighty"\n',
    line: 6, col: 9, path: 'containers.web.ports[1]', message: /port/,
  },
  {
    name: 'duplicate host port',
    yaml: 'a:\n  template: busybox\n  ports: ["8080:80"]\nb:\n  template: busybox\n  ports: ["8080:81"]\n',
    line: 6, col: 11, path: 'b.ports[0]', message: /8080/,
  },
  {
    name: 'clone origin neither in the spec nor on the host',
    yaml: 'web:\n  clone: no-such-origin\n',
    line: 2, col: 10, path: 'web.clone', message: /no-such-origin/,
  },
  {
    name: 'a cycle through clone and depends_on',
    yaml: 'a:\n  clone: b\nb:\n  template: busybox\n  depends_on: [a]\n',
    line: 0, col: 0, path: '', message: /cycle: .*a.*b/,
  },
];

describe('bad specs through the CLI', () => {
  it.each(cases)('$name', async ({ yaml, line, col, path: specPath, message }) => {
    writeFileSync(path.join(work, 'locker.yml'), yaml);
    for (const command of ['validate', 'plan', 'up']) {
      const r = await runLocker([command, '--yes', '-P', env.lxcpath, '-p', env.prefix], { cwd: work });
      expect(r.exitCode, r.stderr).toBe(1);
      const [first, ...rest] = r.stderr.trim().split('\n');
      if (line > 0) expect(first).toMatch(new RegExp(`^error\\[SPEC_INVALID\\] locker\\.yml:${line}:${col}: `));
      else expect(first).toMatch(/^error\[PLAN_CYCLE\] locker\.yml:\d+:\d+: /);
      expect(r.stderr).toMatch(message);
      if (specPath) expect(rest).toContain(`  at ${specPath}`);
      expect(rest.some((l) => l.startsWith('hint: '))).toBe(true);
      expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // no stack trace
    }
    const ls = await execa('lxc-ls', ['-P', env.lxcpath, '-1']);
    expect(ls.stdout.trim()).toBe('');
  });

  it('a missing spec file is one error with a hint', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'locker-empty-'));
    try {
      const r = await runLocker(['plan', '-P', env.lxcpath], { cwd: empty });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/^error\[SPEC_NOT_FOUND\] /);
      expect(r.stderr).toMatch(/hint: /);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('an unknown command and a bad option are usage errors', async () => {
    const r = await runLocker(['frobnicate'], { cwd: work });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^error\[USAGE\] unknown command "frobnicate"/);
    const p = await runLocker(['plan', '--parallelism', 'zero'], { cwd: work });
    expect(p.exitCode).toBe(1);
    expect(p.stderr).toMatch(/^error\[USAGE\] --parallelism/);
  });
});
