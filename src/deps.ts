import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { createAuth, type Auth } from './infra/auth/verifier.ts';
import { cacheHealthCheck, circuitStateValue, createCacheFromConfig, type Cache } from './infra/cache/index.ts';
import { createDatabase, sessionTimeouts, type Database } from './infra/db/client.ts';
import { runMigrations } from './infra/db/migrate.ts';
import { createReadRoutingFromConfig, type ReadRouting } from './infra/db/replica.ts';
import { checkDirectUrl, checkSessionTimeouts, waitForDatabase } from './infra/db/startup.ts';
import { disabledCheck, type HealthCheck } from './infra/observability/health.ts';
import { createMetrics, type Metrics } from './infra/observability/metrics.ts';
import { createMailer, type Mailer } from './infra/mail/mailer.ts';
import { outboxBacklog } from './infra/queue/outbox.ts';
import { createRabbit, queueDepths, rabbitHealthCheck, type Rabbit } from './infra/queue/rabbitmq.ts';
import { createSmsSender, type SmsSender } from './infra/sms/sms.ts';
import { loadServerSecret } from './modules/otp/server-secret.ts';

/**
 * Everything the API and the worker need from the outside world, built once
 * per process and passed in (no module singletons): tests build the same
 * thing against embedded adapters or real services with one call.
 */
export interface Deps {
  config: Config;
  logger: Logger;
  database: Database;
  /** Where replica-eligible reads (availability, lists, public pages) run: the replica (DATABASE_READ_URL) or the primary. */
  reads: ReadRouting;
  auth: Auth;
  metrics: Metrics;
  /** Cache-aside helper over the shared store (Redis, or in-process when embedded); `cache.store` for OTP and rate limits. */
  cache: Cache;
  /** HMAC key: SERVER_SECRET, or one kept under DATA_DIR in embedded mode. */
  serverSecret: string;
  /** Email: pooled SMTP (SMTP_URL) or .eml files under DATA_DIR/mail. */
  mailer: Mailer;
  /** SMS: the provider's HTTP API (SMS_ACCOUNT_SID) or the log. */
  sms: SmsSender;
  /** The RabbitMQ connection when RABBITMQ_URL is set; null in embedded (inline) mode. Messaging itself starts in src/messaging.ts. */
  rabbit: Rabbit | null;
  healthChecks: HealthCheck[];
  close(): Promise<void>;
}

export async function createDeps(config: Config, logger: Logger): Promise<Deps> {
  const metrics = createMetrics();
  const database = createDatabase(config, logger, metrics);
  const pool = database.pool;
  if (pool) {
    metrics.observe('tempus_db_pool_connections', 'Database pool connections by state', () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }), 'state');
  }
  const closers: (() => Promise<void>)[] = [() => database.close()];
  try {
    await waitForDatabase(database, logger, config.env.DB_CONNECT_TIMEOUT_SECONDS);
    await checkDirectUrl(database, config.env.DATABASE_DIRECT_URL, config.env.DATABASE_URL);
    if (config.env.MIGRATE_ON_START) await runMigrations(database, config.env.DATABASE_DIRECT_URL);
    await checkSessionTimeouts(database, sessionTimeouts(config.env), logger);
    const auth = await createAuth(config);
    const cache = await createCacheFromConfig(config, logger, {
      onLookup: (family, result) => metrics.cacheRequests.inc({ cache: family, result }),
    });
    closers.push(() => cache.store.close());
    metrics.observe('tempus_redis_circuit_state', 'Redis circuit breaker: 0 closed, 1 half-open, 2 open', () => circuitStateValue(cache.store));
    const reads = await createReadRoutingFromConfig(config, database, cache.store, logger, metrics);
    closers.push(() => reads.close());
    if (reads.replica) {
      metrics.observe('tempus_db_replica_lag_seconds', 'How far the read replica is behind the primary at its last check; -1 when it could not be measured', () => {
        const state = reads.state();
        return 'lagSeconds' in state && state.lagSeconds !== null ? state.lagSeconds : -1;
      });
    }
    const serverSecret = loadServerSecret(config);
    const mailer = createMailer(config, logger);
    closers.push(() => mailer.close());
    const sms = createSmsSender(config, logger);
    const rabbit = config.env.RABBITMQ_URL ? createRabbit(config, logger, logger.bindings().name ?? 'tempus') : null;
    if (rabbit) closers.push(() => rabbit.close());
    if (rabbit) metrics.observe('tempus_queue_depth', 'Messages waiting in each RabbitMQ queue and dead-letter queue', () => queueDepths(rabbit), 'queue');
    metrics.observe('tempus_outbox_backlog', 'Outbox messages due and not yet published', async () => (await outboxBacklog(database.db)).due);
    metrics.observe('tempus_outbox_lag_seconds', 'How long the oldest due outbox message has waited', async () => (await outboxBacklog(database.db)).lagSeconds);
    const healthChecks: HealthCheck[] = [
      { name: 'database', critical: true, run: async () => (await database.ping(), { status: 'up' }) },
      reads.healthCheck,
      cacheHealthCheck(cache),
      rabbit ? rabbitHealthCheck(rabbit) : disabledCheck('rabbitmq', 'RABBITMQ_URL is unset: messages are delivered in-process from the outbox'),
      { name: 'email', critical: false, run: () => mailer.check() },
    ];
    return {
      config,
      logger,
      database,
      reads,
      auth,
      metrics,
      cache,
      serverSecret,
      mailer,
      sms,
      rabbit,
      healthChecks,
      async close() {
        for (const close of closers.reverse()) {
          await close().catch((err: Error) => logger.warn({ err: err.message }, 'error while closing'));
        }
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}
