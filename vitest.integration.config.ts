import { defineConfig } from 'vitest/config';

// Integration tests: built bundles, real servers on loopback, Docker, Azurite. They start
// processes and bind ports, so files run in forks with a bounded number in parallel.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/integration/global-setup.ts'],
  },
});
