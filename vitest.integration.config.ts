import { defineConfig } from 'vitest/config';

// .ci/run sets ORCHESTRA_TEST_REPORT_DIR to count tests from Vitest's JSON report.
const reportDir = process.env.ORCHESTRA_TEST_REPORT_DIR;

// Integration tests: built bundles, real servers on loopback, Docker, Azurite. They start
// processes and bind ports, so files run in forks with a bounded number in parallel.
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    reporters: reportDir
      ? ['default', ['json', { outputFile: `${reportDir}/integration.json` }]]
      : ['default'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    globalSetup: ['test/integration/global-setup.ts'],
  },
});
