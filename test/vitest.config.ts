import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Lives in test/ because the top level of the repository is fixed.

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Integration tests share one bridge and one netfilter: files run one after another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
