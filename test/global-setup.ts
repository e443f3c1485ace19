// Builds once before the tests: integration tests run the built CLI (bin/locker -> dist/), as users do.
// Also gives back stale lxcbr0 leases before and after the run (see helpers/stale-leases.ts).
import { execFileSync } from 'node:child_process';
import { releaseStaleLeases } from './helpers/stale-leases.js';

export default async function setup(): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
  await releaseStaleLeases();
  return async () => {
    await releaseStaleLeases();
  };
}
