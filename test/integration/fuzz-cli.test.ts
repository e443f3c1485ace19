// The spec fuzzer through the real CLI: mutations the loader refuses go through `up --yes` (which must
// refuse them before touching the host), mutations it accepts through `plan` (which changes nothing).
// Either way: exit 0, 1 or (plan) 2, never a crash or a stack trace, one error line when it fails, and
// no container ever appears in the lxcpath.

import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockerError } from '../../src/errors.js';
import { createLxcEnv, requireTools, type LxcEnv } from '../helpers/lxc-env.js';
import { runLocker, show } from '../helpers/run-locker.js';
import { makeRng, mutate, runFrontEnd } from '../helpers/spec-mutations.js';

const SEED = Number(process.env.LOCKER_FUZZ_SEED ?? 52025);
const REFUSED = 22;
const ACCEPTED = 8;

// Known before the cases are drawn: relative volume paths and LXC names in messages depend on them.
const project = `fz${randomBytes(2).toString('hex')}`;
const work = mkdtempSync('/tmp/locker-it-fuzz-');
let env: LxcEnv;

beforeAll(async () => {
  await requireTools();
  env = await createLxcEnv();
}, 60_000);

afterAll(async () => {
  await env?.destroyAll();
  await rm(work, { recursive: true, force: true });
}, 120_000);

interface Sample {
  text: string;
  chain: string[];
  /** What the loader says in-process: refused (with this location) or accepted. */
  refusal?: LockerError;
}

/** Mutations as the CLI will read them (a file decoded as UTF-8), split by the loader's verdict. */
function samples(): Sample[] {
  const rng = makeRng(SEED);
  const refused: Sample[] = [];
  const accepted: Sample[] = [];
  for (let i = 0; i < 5000 && (refused.length < REFUSED || accepted.length < ACCEPTED); i++) {
    const { text: raw, chain } = mutate(rng);
    const text = Buffer.from(raw, 'utf8').toString('utf8');
    const { result } = runFrontEnd(text, { project, specDir: work });
    if (result instanceof LockerError) {
      if (refused.length < REFUSED) refused.push({ text, chain, refusal: result });
    } else if (accepted.length < ACCEPTED) accepted.push({ text, chain });
  }
  return [...refused, ...accepted];
}

function noCrash(stderr: string): void {
  expect(stderr).not.toMatch(/^ {4}at /m); // a stack frame; `  at web.ports[1]` is a spec path
  expect(stderr).not.toMatch(/\b(TypeError|RangeError|ReferenceError|SyntaxError)\b/);
}

describe(`the CLI on fuzzed specs (seed ${SEED})`, () => {
  const cases = samples();

  it('has both refused and accepted mutations to try', () => {
    expect(cases.filter((c) => c.refusal).length).toBe(REFUSED);
    expect(cases.filter((c) => !c.refusal).length).toBe(ACCEPTED);
  });

  it.each(cases.map((c, i) => ({ ...c, name: `#${i} ${c.refusal ? 'refused' : 'accepted'}: ${c.chain.join(' > ')}` })))(
    '$name',
    async ({ text, refusal }) => {
      await writeFile(path.join(work, 'locker.yml'), text, 'utf8');
      const r = await runLocker([refusal ? 'up' : 'plan', '--yes', '-P', env.lxcpath, '-p', project], { cwd: work });
      noCrash(r.stderr);
      if (refusal) {
        expect(r.exitCode, show(r)).toBe(1);
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('error['));
        expect(errors, show(r)).toHaveLength(1);
        const l = refusal.location!;
        expect(errors[0]).toBe(`error[${refusal.code}] locker.yml:${l.line}:${l.col}: ${refusal.message}`);
      } else {
        expect([0, 1, 2], show(r)).toContain(r.exitCode);
        if (r.exitCode === 1) expect(r.stderr, show(r)).toMatch(/^error\[[A-Z_]+\] /);
      }
      expect((await env.lxc('lxc-ls', ['-1'])).stdout.trim()).toBe('');
    },
    60_000,
  );
});
