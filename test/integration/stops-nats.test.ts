// Over NATS too, stops take no slot: neither --parallelism nor the agent's job concurrency (4) bounds them.
// Six containers on one agent, `down --parallelism 1`: every stop is taken up before the first one is done.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LockerEvent } from '../../src/events/index.js';
import { startPromptHost } from '../helpers/busybox-bench.js';
import { cleanUp } from '../helpers/clean-up.js';
import type { NatsHosts } from '../helpers/nats-hosts.js';
import { show } from '../helpers/run-locker.js';
import { readNatsEvents } from '../helpers/run-integrity.js';
import type { TestBridge } from '../helpers/test-bridge.js';

const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];

let t: NatsHosts;
let bridge: TestBridge;

beforeAll(async () => {
  // No rcS (so no DHCP wait): init halts on the clean-stop signal at once, in about 2 s.
  ({ t, bridge } = await startPromptHost(NAMES));
});

afterAll(async () => {
  await cleanUp([async () => t?.cleanUp(), async () => bridge?.destroy()]);
});

describe('stops over NATS', () => {
  it('down --parallelism 1 takes up every stop before the first is done, past the agent\'s concurrency', async () => {
    const up = await t.control('up', '--yes');
    expect(up.exitCode, show(up)).toBe(0);
    const down = await t.control('down', '--yes', '--parallelism', '1');
    expect(down.exitCode, show(down)).toBe(0);

    const all = await readNatsEvents(t.server.url, path.join(t.work, 'nats', 'control.creds'), t.project);
    const runId = all.filter((e) => e.type === 'run.started').at(-1)?.runId;
    const events: LockerEvent[] = all.filter((e) => 'runId' in e && e.runId === runId);
    const at = (type: string, id: string) => events.findIndex((e) => e.type === type && 'actionId' in e && e.actionId === id);
    const firstDone = Math.min(...NAMES.map((n) => at('action.succeeded', `h1/${n}/stop`)));
    expect(firstDone).toBeGreaterThan(0);
    for (const n of NAMES) {
      const started = at('action.started', `h1/${n}/stop`);
      expect(started, n).toBeGreaterThanOrEqual(0);
      expect(started, n).toBeLessThan(firstDone);
    }
    expect(await t.containersOn('h1')).toEqual({});
  });
});
