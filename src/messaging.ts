import { emailQueueConcurrency } from './config.ts';
import type { Deps } from './deps.ts';
import { JOB_QUEUES } from './modules/notifications/jobs.ts';
import { createEmailHandler } from './modules/notifications/email.consumer.ts';
import { registerBuiltinMessaging } from './modules/notifications/builtin.ts';
import { registerAppointmentNotifications } from './modules/appointments/appointment-notifications.ts';
import { registerSeriesNotifications } from './modules/series/series-notifications.ts';
import { idempotencyPurgeTask } from './modules/idempotency/idempotency.ts';
import { registerWaitlist } from './modules/waitlist/waitlist-tasks.ts';
import { retentionTask } from './modules/patient-rights/retention.ts';
import { createMessagingRegistry, type MessagingRegistry } from './modules/notifications/registry.ts';
import { subscriptionExpiryTask } from './modules/subscriptions/expire.ts';
import { createNotificationsHandler } from './modules/notifications/notifications.consumer.ts';
import { createSmsHandler } from './modules/notifications/sms.consumer.ts';
import { createTasksHandler } from './modules/notifications/tasks.consumer.ts';
import { createWebhookHandler } from './modules/webhooks/webhooks.consumer.ts';
import { createManageLinks } from './modules/manage/manage-links.ts';
import { createSignedTokens } from './infra/crypto/signed-token.ts';
import { startConsumers, type Consumers } from './infra/queue/consumers.ts';
import { createInlineTransport, type InlineTransport } from './infra/queue/inline.ts';
import { listenToOutbox } from './infra/queue/listen.ts';
import { createOutboxRelay, type OutboxRelay } from './infra/queue/relay.ts';
import { createRuntime, type Runtime } from './infra/queue/runtime.ts';
import { createScheduler, type Scheduler } from './infra/queue/scheduler.ts';
import { declareTopology } from './infra/queue/topology.ts';

/**
 * Composition root of messaging: what each module contributes (event
 * resolvers for the `notifications` queue, background tasks and their
 * schedules for `tasks`). A module adds ONE line here, e.g.
 *
 *   registerAppointmentNotifications(registry);   // resolvers for appointment.*
 *   registry.addTask(subscriptionExpiryTask);     // { type, run, schedule: { everyMs } }
 */
export function messagingRegistry(): MessagingRegistry {
  const registry = createMessagingRegistry();
  registerBuiltinMessaging(registry);
  registerAppointmentNotifications(registry);
  registerSeriesNotifications(registry);
  registerWaitlist(registry);
  registry.addTask(idempotencyPurgeTask);
  registry.addTask(subscriptionExpiryTask);
  registry.addTask(retentionTask);
  return registry;
}

export interface MessagingOptions {
  registry?: MessagingRegistry;
  /** Defaults to the configured adapter: rabbitmq when RABBITMQ_URL is set, else inline. */
  transport?: 'rabbitmq' | 'inline';
  /** rabbitmq transport: run the outbox relay (default true). */
  relay?: boolean;
  /** rabbitmq transport: run the queue consumers (default true). */
  consumers?: boolean;
  /** Run scheduled tasks (default true). */
  scheduler?: boolean;
  /** The clock webhook endpoints' failing streaks are judged by (tests move it forward). */
  clock?: () => Date;
}

export interface Messaging {
  readonly transport: 'rabbitmq' | 'inline';
  readonly registry: MessagingRegistry;
  readonly runtime: Runtime;
  readonly scheduler: Scheduler | null;
  /** Wake the relay / inline transport now (tests, after writing outbox rows by hand). */
  wake(): void;
  start(): Promise<void>;
  /** Graceful: stop taking work, let in-flight messages finish and be acknowledged, close channels. */
  stop(): Promise<void>;
}

/**
 * The worker's loops over one process's dependencies: outbox relay +
 * consumers (RabbitMQ), or the in-process transport (embedded mode, where the
 * API process runs this), plus LISTEN/NOTIFY wake-ups and scheduled tasks.
 */
export function createMessaging(deps: Deps, options: MessagingOptions = {}): Messaging {
  const { config, logger, database, metrics } = deps;
  const db = database.db;
  const env = config.env;
  const registry = options.registry ?? messagingRegistry();
  const transport = options.transport ?? config.adapters.queue;
  const log = logger.child({ component: 'messaging' });
  const runtime = createRuntime({
    db,
    logger: log,
    metrics,
    policy: { maxAttempts: env.DELIVERY_MAX_ATTEMPTS, backoffBaseMs: env.DELIVERY_BACKOFF_BASE_MS, backoffMaxMs: env.DELIVERY_BACKOFF_MAX_MS },
    // A receiver may be down for hours: webhooks keep trying for about a day (same backoff, longer cap, more attempts).
    policies: {
      webhooks: { maxAttempts: env.WEBHOOK_MAX_ATTEMPTS, backoffBaseMs: env.DELIVERY_BACKOFF_BASE_MS, backoffMaxMs: env.WEBHOOK_BACKOFF_MAX_MS },
    },
    handlers: {
      notifications: createNotificationsHandler({ db, registry, logger: log, links: createManageLinks(createSignedTokens(deps.serverSecret), env.PUBLIC_BASE_URL) }),
      email_notifications: createEmailHandler({ db, mailer: deps.mailer, config, metrics }),
      sms_notifications: createSmsHandler({ db, sms: deps.sms, config, metrics }),
      tasks: createTasksHandler({ db, config, logger: log, registry, metrics, serverSecret: deps.serverSecret }),
      webhooks: createWebhookHandler({ db, config, serverSecret: deps.serverSecret, logger: log, metrics, clock: options.clock }),
    },
  });

  let relay: OutboxRelay | null = null;
  let consumers: Consumers | null = null;
  let inline: InlineTransport | null = null;
  let scheduler: Scheduler | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  const wake = (at?: number) => (relay?.pump ?? inline?.pump)?.wake(at);

  return {
    transport,
    registry,
    runtime,
    get scheduler() {
      return scheduler;
    },
    wake: () => wake(),
    async start() {
      if (transport === 'rabbitmq') {
        const rabbit = deps.rabbit;
        if (!rabbit) throw new Error('the rabbitmq transport needs RABBITMQ_URL');
        // Best effort here: publishers and consumers declare the same topology again on every (re)connect.
        await declareTopology(rabbit.connection, rabbit.topology).catch((err: Error) =>
          log.warn({ err: err.message }, 'could not declare the RabbitMQ topology yet; will declare on connect'),
        );
        if (options.relay !== false) {
          relay = createOutboxRelay({ db, rabbit, logger: log, metrics, batchSize: env.RELAY_BATCH_SIZE, pollIntervalMs: env.RELAY_POLL_INTERVAL_MS });
          relay.pump.start();
        }
        if (options.consumers !== false) {
          consumers = startConsumers({
            rabbit,
            runtime,
            logger: log,
            concurrency: env.QUEUE_CONCURRENCY,
            concurrencyOf: { [JOB_QUEUES.email]: emailQueueConcurrency(env) },
          });
        }
      } else {
        inline = createInlineTransport({
          db,
          runtime,
          logger: log,
          concurrency: env.QUEUE_CONCURRENCY * 2,
          batchSize: env.RELAY_BATCH_SIZE,
          leaseMs: env.DELIVERY_LEASE_MS,
          pollIntervalMs: env.RELAY_POLL_INTERVAL_MS,
        });
        inline.pump.start();
      }
      if (relay || inline) {
        unlisten = await listenToOutbox(database, env.DATABASE_DIRECT_URL, log, (payload) => wake(payload ? Number(payload) : undefined));
      }
      if (options.scheduler !== false) {
        scheduler = createScheduler({ db, logger: log, tasks: [...registry.tasks.values()], intervalMs: env.SCHEDULER_INTERVAL_MS });
      }
      log.info({ transport, relay: !!relay, consumers: !!consumers, scheduler: !!scheduler }, 'messaging started');
    },
    async stop() {
      await scheduler?.close();
      await unlisten?.();
      await relay?.close();
      await consumers?.close();
      await inline?.close();
      scheduler = null;
      unlisten = null;
      relay = null;
      consumers = null;
      inline = null;
      log.info('messaging stopped');
    },
  };
}
