// lxc-ls parsing, on output captured from LXC 5.0.2 (a second address added inside cap_web with `ip addr add`).

import { describe, expect, it } from 'vitest';
import { parseLxcLs } from '../../src/lxc/index.js';

const CAPTURED = [
  'NAME     STATE   PID   IPV4                  ',
  'cap_db   FROZEN  17463 -                     ',
  'cap_idle STOPPED -     -                     ',
  'cap_web  RUNNING 17455 10.0.3.250, 10.0.3.52 ',
  '',
].join('\n');

describe('parseLxcLs', () => {
  it('reads name, state, pid and every IPv4 address, sorted by name', () => {
    expect(parseLxcLs(CAPTURED)).toEqual([
      { name: 'cap_db', state: 'FROZEN', pid: 17463, ipv4: [] },
      { name: 'cap_idle', state: 'STOPPED', ipv4: [] },
      { name: 'cap_web', state: 'RUNNING', pid: 17455, ipv4: ['10.0.3.250', '10.0.3.52'] },
    ]);
  });

  it('reads an empty lxcpath (lxc-ls prints nothing, not even a header) as no containers', () => {
    expect(parseLxcLs('')).toEqual([]);
    expect(parseLxcLs('\n')).toEqual([]);
  });

  it('reads a header-only listing as no containers', () => {
    expect(parseLxcLs('NAME STATE PID IPV4 \n')).toEqual([]);
  });

  it('maps a state it does not know to UNKNOWN instead of guessing', () => {
    const out = 'NAME STATE PID IPV4\nweird THAWED - -\n';
    expect(parseLxcLs(out)).toEqual([{ name: 'weird', state: 'UNKNOWN', ipv4: [] }]);
  });

  it('refuses output with other columns (a different -F would shift IPV4)', () => {
    expect(() => parseLxcLs('NAME STATE IPV4\nweb RUNNING 10.0.3.5\n')).toThrow(/unexpected lxc-ls header/);
  });

  it('refuses a truncated row', () => {
    expect(() => parseLxcLs('NAME STATE PID IPV4\nweb RUNNING\n')).toThrow(/unreadable lxc-ls line/);
  });
});
