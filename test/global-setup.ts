// Builds once before the tests when a source changed since the last build (bin/build --if-stale): integration tests
// run the built CLI (bin/locker -> dist/), as users do.
// Also gives back stale lxcbr0 leases before and after the run (see helpers/stale-leases.ts).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { releaseStaleLeases } from './helpers/stale-leases.js';

const BUILD = fileURLToPath(new URL('../bin/build', import.meta.url));

export default async function setup(): Promise<() => Promise<void>> {
  execFileSync(BUILD, ['--if-stale'], { stdio: 'inherit' });
  await releaseStaleLeases();
  return async () => {
    await releaseStaleLeases();
  };
}
