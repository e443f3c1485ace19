// One lxcpath and one test bridge for a test file, removed afterwards with every work folder it made; and
// the busybox inittab without rcS (no DHCP wait: init is up at once and halts at once).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { cleanUp } from './clean-up.js';
import { createLxcEnv, requireTools, type LxcEnv } from './lxc-env.js';
import { createTestBridge, type TestBridge } from './test-bridge.js';

export const PROMPT_INITTAB = '::sysinit:/bin/busybox true\n::respawn:/bin/busybox sleep 86400\n';

export interface BridgedLxc {
  env: LxcEnv;
  bridge: TestBridge;
  /** A new work folder with `init/prompt` (PROMPT_INITTAB), removed after the file's tests. */
  workFolder(tag: string): string;
}

/** Registers the file's beforeAll/afterAll; the returned object is filled in by beforeAll. */
export function useBridgedLxc(): BridgedLxc {
  const works: string[] = [];
  const it = {
    workFolder(tag: string) {
      const work = mkdtempSync(path.join(tmpdir(), `locker-${tag}-`));
      works.push(work);
      mkdirSync(path.join(work, 'init'));
      writeFileSync(path.join(work, 'init', 'prompt'), PROMPT_INITTAB);
      return work;
    },
  } as BridgedLxc;
  beforeAll(async () => {
    await requireTools();
    it.env = await createLxcEnv();
    it.bridge = await createTestBridge(`${it.env.prefix}br`);
  });
  afterAll(async () => {
    await cleanUp([async () => it.env?.destroyAll(), async () => it.bridge?.destroy(), async () => works.forEach((w) => rmSync(w, { recursive: true, force: true }))]);
  });
  return it;
}
