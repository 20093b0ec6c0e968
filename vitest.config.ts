import { configDefaults, defineConfig } from 'vitest/config';

// Every suite runs on the embedded adapters; when CI exports the services'
// URLs, the same suites run a second time against the real services.
const withServices = Boolean(process.env.DATABASE_URL);
// The cluster suites (real processes; the fault suite stops services) run only
// through `npm run test:e2e` / `npm run test:faults` (vitest.cluster.config.ts).
const exclude = [...configDefaults.exclude, 'test/e2e/**', 'test/faults/**'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    exclude,
    hookTimeout: 90_000,
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts'],
    // Every statement drizzle compiles is compiled by ours too and compared (test/helpers/sql-text-check.ts).
    setupFiles: ['test/helpers/sql-text-check.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'embedded', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], env: { TEMPUS_TEST_TARGET: 'embedded' } },
      },
      ...(withServices
        ? [
            {
              extends: true as const,
              test: { name: 'services', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], env: { TEMPUS_TEST_TARGET: 'services' } },
            },
          ]
        : []),
    ],
  },
});
