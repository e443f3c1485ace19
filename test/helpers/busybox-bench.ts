// What the stop, exec and freeze tests share: busybox containers whose init needs no DHCP and halts at
// once on the clean-stop signal, on a bridge of the test's own, in an lxcpath of its own.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { cleanUp } from './clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from './lxc-env.js';
import { startNatsHosts, type NatsHosts } from './nats-hosts.js';
import { createTestBridge, type TestBridge } from './test-bridge.js';

// busybox init halts on the clean-stop signal once its sysinit is over; while sysinit runs, it holds the
// signal back (LXC-NOTES: stuck in rcS, every clean stop runs into its timeout). No rcS: no DHCP either.
export const PROMPT_INITTAB = '::sysinit:/bin/busybox true\n::respawn:/bin/busybox sleep 86400\n';

/** Writes `init/prompt` (PROMPT_INITTAB) into `work`, for a volume `./init/prompt:/etc/inittab:ro`. */
export function writePromptInit(work: string): void {
  mkdirSync(path.join(work, 'init'), { recursive: true });
  writeFileSync(path.join(work, 'init', 'prompt'), PROMPT_INITTAB);
}

/** A spec of busybox containers on one host and bridge, each with the prompt inittab (writePromptInit). */
export function promptSpec(names: readonly string[], host: string, bridge: string): string {
  const lines = ['containers:'];
  for (const name of names) {
    lines.push(`  ${name}:`, `    host: ${host}`, '    template: busybox', `    bridge: ${bridge}`, '    volumes: ["./init/prompt:/etc/inittab:ro"]');
  }
  return `${lines.join('\n')}\n`;
}

/** Every line of an embedded project's event log (`<work>/.locker/<project>/events.jsonl`), parsed as it is. */
export function loggedEvents<T>(work: string, project: string): T[] {
  return readFileSync(path.join(work, '.locker', project, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export interface BusyboxBench {
  env: LxcEnv;
  /** A bridge of the test's own: no DHCP pool shared with other tests, whose leases could hold the planned addresses. */
  bridge: TestBridge;
  /** A new folder for one project's spec, removed after the file's tests. */
  newWork(prefix: string): string;
}

/** Registers the file's beforeAll/afterAll; the bench is there from the first test on. */
export function useBusyboxBench(): BusyboxBench {
  const works: string[] = [];
  const bench = { newWork: (prefix: string) => {
    const work = mkdtempSync(path.join(tmpdir(), prefix));
    works.push(work);
    return work;
  } } as BusyboxBench;
  beforeAll(async () => {
    await requireTools();
    bench.env = await createLxcEnv();
    bench.bridge = await createTestBridge(`${bench.env.prefix}br`);
  });
  afterAll(async () => {
    await cleanUp([
      async () => bench.env?.destroyAll(),
      async () => bench.bridge?.destroy(),
      async () => works.forEach((w) => rmSync(w, { recursive: true, force: true })),
    ]);
  });
  return bench;
}

export interface PromptHost {
  t: NatsHosts;
  bridge: TestBridge;
}

/**
 * One NATS host `h1` with its agent up, and a spec of `names` on a bridge of the test's own (promptSpec).
 * The caller cleans up `t`, then `bridge`; a failure here cleans up what it made.
 */
export async function startPromptHost(names: readonly string[]): Promise<PromptHost> {
  const t = await startNatsHosts(['h1']);
  try {
    const bridge = await createTestBridge(`${t.project}br`);
    writePromptInit(t.work);
    t.writeSpec(promptSpec(names, 'h1', bridge.name));
    t.startAgent('h1');
    await t.waitAgents(['h1'], true);
    return { t, bridge };
  } catch (e) {
    await t.cleanUp();
    throw e;
  }
}

/**
 * Registers the file's beforeAll/afterAll: one NATS host `h1` with its agent up, a bridge of the file's own, and
 * `init/prompt` written (writePromptInit). `prepare` runs before the agent starts. Both are there from the first test on.
 */
export function usePromptNatsHost(prepare?: (t: NatsHosts) => void): PromptHost {
  const host = {} as PromptHost;
  beforeAll(async () => {
    host.t = await startNatsHosts(['h1']);
    host.bridge = await createTestBridge(`${host.t.project}br`);
    writePromptInit(host.t.work);
    prepare?.(host.t);
    host.t.startAgent('h1');
    await host.t.waitAgents(['h1'], true);
  });
  afterAll(() => cleanUp([async () => host.t?.cleanUp(), async () => host.bridge?.destroy()]));
  return host;
}
