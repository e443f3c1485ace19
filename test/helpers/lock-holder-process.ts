// A live lock holder in its own process, from the build the tests run against (test/global-setup.ts):
// `script` (an ES module run from the repository root) takes a lock, then prints `held` and stays.

import { execa, type ResultPromise } from 'execa';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the holder and resolves once it holds the lock; kill `child` (by pid) to end it. */
export async function startLockHolder(script: string, args: string[]): Promise<{ pid: number; child: ResultPromise }> {
  const child = execa(process.execPath, ['--input-type=module', '-e', script, ...args], { cwd: ROOT, reject: false, stdin: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.then((r) => reject(new Error(`lock holder exited: ${r.stderr}`)), reject);
  });
  return { pid: child.pid!, child };
}
