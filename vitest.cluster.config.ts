import { defineConfig } from 'vitest/config';

/**
 * The cluster suites: real API and worker processes against the real services
 * (test/cluster/). Not part of `npm test` (vitest.config.ts excludes them):
 *
 *   npm run test:e2e      two APIs + two workers: booking storm, shared OTP and
 *                         rate limits, every notification exactly once; once on
 *                         the machine's services (cluster.test.ts), once on the
 *                         scale-out topology: PgBouncer, a streaming replica, a
 *                         Redis Cluster (topology.test.ts)
 *   npm run test:faults   the same cluster while PostgreSQL, Redis and RabbitMQ
 *                         are stopped and started and processes are SIGKILLed
 *                         (faults.test.ts), and while the topology's replica,
 *                         a Redis Cluster master and PgBouncer fail (topology.test.ts)
 *
 * One file at a time: each starts its own cluster, and the fault suite stops
 * services every other suite depends on.
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    maxWorkers: 1,
    globalSetup: ['test/cluster/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
      { extends: true, test: { name: 'faults', include: ['test/faults/**/*.test.ts'] } },
    ],
  },
});
