import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { startupConfig } from './startup-config.ts';
import { createDeps } from './deps.ts';
import { createLogger, exitAfterLogs, flushLogs } from './infra/observability/logger.ts';
import { createMessaging, type Messaging } from './messaging.ts';

const config = startupConfig();
const logger = createLogger(config, 'tempus-api');

let ready = true;
try {
  const deps = await createDeps(config, logger);
  const app = await buildApp(deps, { isReady: () => ready });
  // Embedded mode (no RABBITMQ_URL): this process also runs the worker's loops,
  // delivering straight from the outbox with the same handlers and rules.
  let messaging: Messaging | null = null;
  if (config.adapters.queue === 'inline') {
    messaging = createMessaging(deps);
    await messaging.start();
  }
  closeWithGrace({ delay: 20_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down: draining in-flight requests');
    ready = false;
    // app.close stops accepting connections and waits for in-flight requests.
    await app.close();
    await messaging?.stop();
    await deps.close();
    // close-with-grace exits next: the buffered lines (every access line of the drained requests) go out first.
    await flushLogs(logger);
  });
  const address = await app.listen({ port: config.env.PORT, host: config.env.HOST });
  logger.info(
    { address, database: config.adapters.database, auth: config.adapters.auth, queue: config.adapters.queue, mail: config.adapters.mail, dataDir: config.adapters.database === 'pglite' ? config.env.DATA_DIR : undefined },
    config.adapters.database === 'pglite' ? 'Tempus API listening (embedded mode)' : 'Tempus API listening',
  );
  // Out now rather than with the next batch: whoever started the process waits for this line.
  logger.flush();
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'start-up failed');
  await exitAfterLogs(logger, 1);
}
