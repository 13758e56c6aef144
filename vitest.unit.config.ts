import { defineConfig } from 'vitest/config';

// Unit tests: pure functions and in-process fakes; no Docker, no child bundles.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'threads',
  },
});
