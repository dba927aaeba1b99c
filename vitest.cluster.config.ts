import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: several sync instances and render workers on one Redis and one
 * PostgreSQL (tests/cluster). Its own run, after `npm test` in .ci/run: it starts a dozen processes.
 */
export default defineConfig({
  test: {
    include: ['tests/cluster/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
