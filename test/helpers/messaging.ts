import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { rawRows } from '../../src/infra/db/client.ts';
import { deleteTopology } from '../../src/infra/queue/topology.ts';
import { createMessaging, type Messaging, type MessagingOptions } from '../../src/messaging.ts';
import { createTestApp, type TestApp, type TestAppOptions } from './app.ts';
import { onServices } from './target.ts';

/**
 * Messaging tests need the outbox to themselves: on the services target a
 * relay would otherwise publish every other suite's rows from the shared test
 * database. So each messaging suite gets its own PostgreSQL database (dropped
 * at the end) and its own RabbitMQ names (a unique RABBITMQ_PREFIX, deleted at
 * the end). On the embedded target each app has its own PGlite anyway.
 */
import { isolatedDatabase } from './isolated-database.ts';

export { isolatedDatabase, type IsolatedDatabase } from './isolated-database.ts';

/** Short, test-sized delays: retries in tens of milliseconds, leases of a few seconds. */
export const fastMessagingEnv = (prefix: string): Record<string, string> => ({
  DELIVERY_BACKOFF_BASE_MS: '20',
  DELIVERY_BACKOFF_MAX_MS: '100',
  DELIVERY_MAX_ATTEMPTS: '5',
  DELIVERY_LEASE_MS: '3000',
  RELAY_POLL_INTERVAL_MS: '250',
  SMTP_TIMEOUT_MS: '2000',
  SCHEDULER_INTERVAL_MS: '200',
  RABBITMQ_PREFIX: prefix,
  RABBITMQ_RECONNECT_MAX_DELAY_MS: '300',
});

export interface MessagingTestEnv {
  /** Extra environment for every app/worker of this suite (isolated database, prefix, short delays). */
  env: Record<string, string>;
  prefix: string;
  close(): Promise<void>;
}

/** Per-suite isolation (see above). Call in beforeAll; close in afterAll. */
export async function messagingTestEnv(): Promise<MessagingTestEnv> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const db = onServices ? await isolatedDatabase() : null;
  const env = { ...fastMessagingEnv(prefix), ...(db ? { DATABASE_URL: db.url, DATABASE_DIRECT_URL: db.directUrl } : {}) };
  return {
    env,
    prefix,
    async close() {
      await db?.drop();
    },
  };
}

export interface MessagingApp extends TestApp {
  messaging: Messaging;
}

/**
 * A test app plus the worker's loops in the same process: the RabbitMQ relay
 * and consumers on the services target, the in-process transport on the
 * embedded one. `start: false` builds without starting (outage tests).
 */
export async function createMessagingApp(
  options: TestAppOptions & { messaging?: MessagingOptions; start?: boolean } = {},
): Promise<MessagingApp> {
  const t = await createTestApp(options);
  const messaging = createMessaging(t.deps, options.messaging);
  if (options.start !== false) await messaging.start();
  let stopped = false;
  return {
    ...t,
    messaging,
    async close() {
      if (!stopped) await messaging.stop();
      stopped = true;
      const rabbit = t.deps.rabbit;
      if (rabbit && options.env?.RABBITMQ_PREFIX) await deleteTopology(rabbit.connection, rabbit.topology).catch(() => undefined);
      await t.close();
    },
  };
}

export interface DeliveryLine {
  message_id: string;
  channel: string;
  recipient: string | null;
  template: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

export const deliveriesTo = (t: TestApp, recipient: string) =>
  rawRows<DeliveryLine>(
    t.deps.database.db,
    sql`select message_id, channel, recipient, template, status, attempts, last_error
          from notification_deliveries where recipient = ${recipient.toLowerCase()} order by created_at`,
  );

/** Polls the database until `check` passes (a deadline, not a timing assertion). */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
