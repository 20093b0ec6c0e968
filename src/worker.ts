import closeWithGrace from 'close-with-grace';
import path from 'node:path';
import { createDeps } from './deps.ts';
import { createLogger, exitAfterLogs, flushLogs } from './infra/observability/logger.ts';
import { createMessaging } from './messaging.ts';
import { startupConfig } from './startup-config.ts';

/**
 * Worker entry point: the outbox relay, the queue consumers and the scheduled
 * tasks (src/messaging.ts). Any number of workers run side by side against the
 * same PostgreSQL and RabbitMQ: rows are claimed with SKIP LOCKED, queues are
 * competing consumers, scheduled periods are claimed in the database.
 *
 * SIGTERM/SIGINT: stop taking messages, let the ones in flight finish and be
 * acknowledged (unstarted prefetched ones go back to the queue), then close.
 */
const config = startupConfig();
const logger = createLogger(config, 'tempus-worker');

if (config.adapters.database === 'pglite') {
  logger.fatal(
    { dataDir: path.resolve(config.env.DATA_DIR) },
    'the worker needs DATABASE_URL: embedded PGlite belongs to one process, and in embedded mode the API (npm start) already runs the worker loops',
  );
  await exitAfterLogs(logger, 1);
}

try {
  const deps = await createDeps(config, logger);
  const messaging = createMessaging(deps);
  closeWithGrace({ delay: 30_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'worker shutting down after an error');
    else logger.info({ signal }, 'worker shutting down: draining in-flight messages');
    await messaging.stop();
    await deps.close();
    // close-with-grace exits next: the buffered log lines go out first.
    await flushLogs(logger);
  });
  await messaging.start();
  logger.info(
    { database: config.adapters.database, queue: config.adapters.queue, mail: config.adapters.mail, sms: config.adapters.sms },
    'Tempus worker started',
  );
  // Out now rather than with the next batch: whoever started the process waits for this line.
  logger.flush();
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'worker start-up failed');
  await exitAfterLogs(logger, 1);
}
