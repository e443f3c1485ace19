// Address claims on a real filesystem: two plans claiming one address at once, a claim whose container is
// gone, and releasing only one's own. A folder of the test's own stands in for /var/lib/locker/addresses.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockerError } from '../../src/errors.js';
import { claimAddress, readClaims, readLiveClaims, releaseClaims, type AddressClaim } from '../../src/lxc/index.js';

let root: string;
let dir: string;
let lxcpath: string;

/** A container directory with a config, as LXC leaves it: what makes a claim live. */
function container(name: string): void {
  mkdirSync(path.join(lxcpath, name), { recursive: true });
  writeFileSync(path.join(lxcpath, name, 'config'), 'lxc.uts.name = x\n');
}

const claim = (name: string, ip: string, mac: string): AddressClaim => ({ bridge: 'br0', ip, mac, host: 'local', lxcpath, container: name });

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'locker-claims-'));
  dir = path.join(root, 'addresses');
  lxcpath = path.join(root, 'lxc');
  for (const name of ['p_a', 'p_b', 'q_c']) container(name);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('address claims', () => {
  it('two containers claiming one address at once: exactly one gets it, the other is told who has it', async () => {
    const results = await Promise.allSettled([claimAddress(claim('p_a', '10.9.0.5', '02:00:00:00:00:0a'), dir), claimAddress(claim('p_b', '10.9.0.5', '02:00:00:00:00:0b'), dir)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toBeInstanceOf(LockerError);
    expect((lost[0]!.reason as LockerError).code).toBe('HOST_PRECONDITION');
    expect((lost[0]!.reason as LockerError).message).toMatch(/^address 10\.9\.0\.5 on br0 is already claimed by container p_[ab] \(lxcpath /);
    const held = await readClaims(dir);
    expect(held).toHaveLength(1);
    expect(held[0]!.ip).toBe('10.9.0.5');
  });

  it('claiming again is adopted; a new MAC for the same container rewrites it', async () => {
    expect((await claimAddress(claim('q_c', '10.9.0.7', '02:00:00:00:00:0c'), dir)).outcome).toBe('done');
    expect((await claimAddress(claim('q_c', '10.9.0.7', '02:00:00:00:00:0c'), dir)).outcome).toBe('adopted');
    expect((await claimAddress(claim('q_c', '10.9.0.7', '02:00:00:00:00:0d'), dir)).outcome).toBe('done');
    expect((await readClaims(dir)).find((c) => c.ip === '10.9.0.7')?.mac).toBe('02:00:00:00:00:0d');
  });

  it('the claim of a container that is gone holds nothing, and is taken over, naming it', async () => {
    container('p_gone');
    await claimAddress(claim('p_gone', '10.9.0.9', '02:00:00:00:00:99'), dir);
    expect((await readLiveClaims(dir)).map((c) => c.container)).toContain('p_gone');
    rmSync(path.join(lxcpath, 'p_gone'), { recursive: true });
    expect((await readLiveClaims(dir)).map((c) => c.container)).not.toContain('p_gone');
    const taken = await claimAddress(claim('p_a', '10.9.0.9', '02:00:00:00:00:0a'), dir);
    expect(taken.outcome).toBe('done');
    expect(taken.replaced).toMatchObject({ container: 'p_gone', mac: '02:00:00:00:00:99' });
  });

  it('release removes the container\'s own claims only, and can keep one', async () => {
    await claimAddress(claim('q_c', '10.9.0.7', '02:00:00:00:00:0d'), dir);
    await claimAddress(claim('q_c', '10.9.0.8', '02:00:00:00:00:0d'), dir);
    const released = await releaseClaims({ lxcpath, container: 'q_c' }, dir, { bridge: 'br0', ip: '10.9.0.8' });
    expect(released.map((c) => c.ip)).toEqual(['10.9.0.7']);
    const left = (await readClaims(dir)).map((c) => `${c.container} ${c.ip}`).sort();
    expect(left).toContain('q_c 10.9.0.8');
    expect(left.filter((l) => l.startsWith('q_c'))).toEqual(['q_c 10.9.0.8']);
  });
});
