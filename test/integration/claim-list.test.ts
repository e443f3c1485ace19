// set-network releases a container's old address claims from its own claim list (locker-claims), not by
// reading every claim of the machine; on a real filesystem, with a folder of the test's own standing in
// for /var/lib/locker/addresses and a container directory with a config (no LXC: no program runs).

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSetNetwork } from '../../agents/actions/set-network.js';
import type { ActionContext } from '../../agents/actions/context.js';
import type { NetworkParams } from '../../plans/types.js';
import { claimAddress, claimListPath, readClaims, type AddressClaim } from '../../src/lxc/index.js';
import { makeAction } from '../helpers/actions.js';

let root: string;
let dir: string;
let lxcpath: string;

const MAC = '02:00:00:00:00:0a';
// A bridge nobody serves: set-network asks no DHCP server anything.
const BRIDGE = 'lockertbr0';

function container(name: string): void {
  mkdirSync(path.join(lxcpath, name), { recursive: true });
  writeFileSync(path.join(lxcpath, name, 'config'), 'lxc.uts.name = x\n');
}

function setNetwork(container: string, ipv4: string) {
  const params: NetworkParams = { bridge: BRIDGE, mac: MAC, ipv4, prefix: 24, gateway: '10.8.0.1', reserve: false };
  const action = makeAction({ kind: 'set-network', ...params }, { project: 'p', container, lxcName: `p_${container}` });
  const ctx = { lxcpath, action, addressDir: dir, ipv4TimeoutMs: 1000 } as unknown as ActionContext;
  return runSetNetwork(ctx, { kind: 'set-network', ...params });
}

const held = async (name: string) => (await readClaims(dir)).filter((c) => c.container === name).map((c) => c.ip).sort();
const listOf = (name: string) => readFileSync(claimListPath({ lxcpath, container: name }), 'utf8');
const other = (name: string, ip: string): AddressClaim => ({ bridge: BRIDGE, ip, mac: '02:00:00:00:00:0b', host: 'local', lxcpath, container: name });

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'locker-claim-list-'));
  dir = path.join(root, 'addresses');
  lxcpath = path.join(root, 'lxc');
  for (const name of ['p_web', 'p_db', 'p_old', 'q_x']) container(name);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('claim list', () => {
  it('a new container lists the claim it makes; another container\'s claims stay', async () => {
    await claimAddress(other('q_x', '10.8.0.20'), dir);
    await setNetwork('web', '10.8.0.2');
    expect(listOf('p_web')).toBe(`${BRIDGE} 10.8.0.2\n`);
    expect(await held('p_web')).toEqual(['10.8.0.2']);
    expect(await held('q_x')).toEqual(['10.8.0.20']);
  });

  it('a new address gives the listed old one back, and the list keeps only the new one', async () => {
    const outcome = await setNetwork('web', '10.8.0.3');
    expect(outcome.detail).toContain('gave back 10.8.0.2');
    expect(await held('p_web')).toEqual(['10.8.0.3']);
    expect(listOf('p_web')).toBe(`${BRIDGE} 10.8.0.3\n`);
    expect(await held('q_x')).toEqual(['10.8.0.20']);
  });

  it('a listed claim another container holds now is not released', async () => {
    await setNetwork('db', '10.8.0.4');
    // The list names an address whose claim file is someone else's (taken over since, or never made).
    writeFileSync(claimListPath({ lxcpath, container: 'p_db' }), `${BRIDGE} 10.8.0.4\n${BRIDGE} 10.8.0.20\n`);
    await setNetwork('db', '10.8.0.5');
    expect(await held('p_db')).toEqual(['10.8.0.5']);
    expect(await held('q_x')).toEqual(['10.8.0.20']);
    expect(listOf('p_db')).toBe(`${BRIDGE} 10.8.0.5\n`);
  });

  it('a container addressed before it had a list: its old claims are found among all, and it gets a list', async () => {
    await setNetwork('old', '10.8.0.6');
    await claimAddress({ ...other('p_old', '10.8.0.7'), mac: MAC }, dir);
    rmSync(claimListPath({ lxcpath, container: 'p_old' }));
    await setNetwork('old', '10.8.0.8');
    expect(await held('p_old')).toEqual(['10.8.0.8']);
    expect(listOf('p_old')).toBe(`${BRIDGE} 10.8.0.8\n`);
    expect(await held('q_x')).toEqual(['10.8.0.20']);
  });
});
