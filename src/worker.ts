import closeWithGrace from 'close-with-grace';
import { createDeps } from './deps.ts';
import { createLogger } from './infra/observability/logger.ts';
import { startupConfig } from './startup-config.ts';

/**
 * Worker entry point: the outbox relay, queue consumers and scheduled tasks
 * run here (they arrive with the messaging issue). Several workers may run
 * side by side against the same services.
 */
const config = startupConfig();
const logger = createLogger(config, 'tempus-worker');

try {
  const deps = await createDeps(config, logger);
  closeWithGrace({ delay: 30_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'worker shutting down after an error');
    else logger.info({ signal }, 'worker shutting down');
    await deps.close();
  });
  logger.info({ database: config.adapters.database }, 'Tempus worker started');
} catch (err) {
  logger.fatal({ err: (err as Error).message }, 'worker start-up failed');
  process.exit(1);
}
