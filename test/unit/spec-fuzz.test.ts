// Fuzzing the pure front end: thousands of mutations of valid specs go through the loader and the
// planner (against an empty host). Every one ends in a Plan or in one located SPEC_INVALID/PLAN_CYCLE
// error; never another exception, never a hang. Deterministic: the seed is in the test's name, and
// LOCKER_FUZZ_SEED=N (LOCKER_FUZZ_CASES=N) replays another run.

import { describe, expect, it } from 'vitest';
import { LockerError } from '../../src/errors.js';
import { judge, makeRng, mutate, NETWORK_SPEC, runFrontEnd, VALID_SPECS } from '../helpers/spec-mutations.js';

const SEED = Number(process.env.LOCKER_FUZZ_SEED ?? 52025);
const CASES = Number(process.env.LOCKER_FUZZ_CASES ?? 4000);

describe(`spec fuzz (seed ${SEED}, ${CASES} cases; replay with LOCKER_FUZZ_SEED=${SEED})`, () => {
  it('the unmutated specs plan cleanly', () => {
    for (const text of VALID_SPECS.slice(0, 3)) {
      const out = runFrontEnd(text);
      expect(judge(text, out)).toBeUndefined();
      expect(out.result).not.toBeInstanceOf(Error);
    }
  });

  it('every mutation ends in a plan or in one located spec error, in bounded time', () => {
    const rng = makeRng(SEED);
    const failures: string[] = [];
    const seen = { plans: 0, errors: 0 };
    for (let i = 0; i < CASES && failures.length < 5; i++) {
      const { text, chain } = mutate(rng);
      const out = runFrontEnd(text);
      const problem = judge(text, out);
      if (out.result instanceof LockerError) seen.errors += 1;
      else seen.plans += 1;
      if (problem !== undefined) failures.push(`case ${i} [${chain.join(' > ')}]: ${problem}\n--- spec (first 400 chars)\n${JSON.stringify(text.slice(0, 400))}`);
    }
    expect(failures).toEqual([]);
    // The mutations reach both outcomes: a fuzzer whose every case is refused at the first byte proves little.
    expect(seen.plans).toBeGreaterThan(CASES / 50);
    expect(seen.errors).toBeGreaterThan(CASES / 2);
  });
});

describe(`spec fuzz of the network keys (seed ${SEED}, ${Math.ceil(CASES / 4)} cases)`, () => {
  it('the unmutated network spec plans cleanly', () => {
    const out = runFrontEnd(NETWORK_SPEC);
    expect(judge(NETWORK_SPEC, out)).toBeUndefined();
    expect(out.result).not.toBeInstanceOf(Error);
  });

  it('every mutation of ipv4, bridge, links and autostart ends in a plan or in one located spec error', () => {
    const rng = makeRng(SEED);
    const failures: string[] = [];
    const cases = Math.ceil(CASES / 4);
    for (let i = 0; i < cases && failures.length < 5; i++) {
      const { text, chain } = mutate(rng, [NETWORK_SPEC]);
      const problem = judge(text, runFrontEnd(text));
      if (problem !== undefined) failures.push(`case ${i} [${chain.join(' > ')}]: ${problem}\n--- spec (first 400 chars)\n${JSON.stringify(text.slice(0, 400))}`);
    }
    expect(failures).toEqual([]);
  });
});
