import { defineConfig } from 'vitest/config';
import path from 'node:path';
import { postgresBinDir } from './tests/helpers/postgres';

/**
 * The tests whose behaviour depends on what the database stores run a second time on PostgreSQL
 * (tests/helpers/database.ts gives each server a fresh database of the project's kind). Under CI
 * the project always runs, and fails where PostgreSQL is missing; elsewhere it needs Debian's
 * postgresql installed.
 */
const databaseTests = [
  'tests/integration/database.test.ts',
  'tests/integration/sync.test.ts',
  'tests/integration/styles-gallery.test.ts',
  'tests/integration/history.test.ts',
  'tests/integration/gallery-privacy.test.ts',
];
const withPostgres = process.env.CI === 'true' || process.env.CI === '1' || postgresBinDir() !== null;

export default defineConfig({
  resolve: { alias: { '@': path.resolve(__dirname) } },
  test: {
    // Integration and browser tests start real servers on fixed loopback ports: run files one at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    projects: [
      // tests/cluster runs on its own (npm run test:cluster, vitest.cluster.config.ts).
      {
        extends: true,
        test: {
          name: 'sqlite',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/cluster/**', 'node_modules/**'],
          sequence: { groupOrder: 0 },
        },
      },
      ...(withPostgres
        ? [
            {
              extends: true as const,
              // After the sqlite project, never beside it: both start servers on the same ports.
              test: {
                name: 'postgresql',
                include: databaseTests,
                globalSetup: ['tests/helpers/postgresSetup.ts'],
                sequence: { groupOrder: 1 },
              },
            },
          ]
        : []),
    ],
  },
});
