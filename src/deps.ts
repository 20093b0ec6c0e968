import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createAuth, type Auth } from './infra/auth/verifier.ts';
import { createDatabase, type Database } from './infra/db/client.ts';
import { runMigrations } from './infra/db/migrate.ts';
import { waitForDatabase } from './infra/db/startup.ts';
import { disabledCheck, type HealthCheck } from './infra/observability/health.ts';

/**
 * Everything the API and the worker need from the outside world, built once
 * per process and passed in (no module singletons): tests build the same
 * thing against embedded adapters or real services with one call.
 */
export interface Deps {
  config: Config;
  logger: Logger;
  database: Database;
  auth: Auth;
  healthChecks: HealthCheck[];
  close(): Promise<void>;
}

export async function createDeps(config: Config, logger: Logger): Promise<Deps> {
  const database = createDatabase(config, logger);
  const closers: (() => Promise<void>)[] = [() => database.close()];
  try {
    await waitForDatabase(database, logger, config.env.DB_CONNECT_TIMEOUT_SECONDS);
    if (config.env.MIGRATE_ON_START) await runMigrations(database);
    const auth = await createAuth(config);
    const healthChecks: HealthCheck[] = [
      { name: 'database', critical: true, run: async () => (await database.ping(), { status: 'up' }) },
      disabledCheck('redis', 'REDIS_URL support lands with the cache issue'),
      disabledCheck('rabbitmq', 'RabbitMQ support lands with the messaging issue'),
      disabledCheck('email', 'SMTP support lands with the messaging issue'),
    ];
    return {
      config,
      logger,
      database,
      auth,
      healthChecks,
      async close() {
        for (const close of closers.reverse()) {
          await close().catch((err: Error) => logger.warn({ err: err.message }, 'error while closing'));
        }
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    throw err;
  }
}
