import { defineConfig } from 'vitest/config';

// .ci/run sets ORCHESTRA_TEST_REPORT_DIR to count tests from Vitest's JSON report.
const reportDir = process.env.ORCHESTRA_TEST_REPORT_DIR;

// Unit tests: pure functions and in-process fakes; no Docker, no child bundles.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    reporters: reportDir ? ['default', ['json', { outputFile: `${reportDir}/unit.json` }]] : ['default'],
    testTimeout: 20_000,
    pool: 'threads',
  },
});
