import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Db } from '../../infra/db/client.ts';
import type { Metrics } from '../../infra/observability/metrics.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import type { QueueHandler } from '../../infra/queue/message.ts';
import type { MessagingRegistry } from './registry.ts';

/** Queue `tasks`: background jobs, by message type, from the registry (scheduled or enqueued by anyone). */
export function createTasksHandler(deps: { db: Db; config: Config; logger: Logger; registry: MessagingRegistry; metrics?: Metrics; serverSecret?: string }): QueueHandler {
  const { db, config, logger, registry, metrics, serverSecret } = deps;
  return {
    queue: 'tasks',
    async handle(message) {
      const task = registry.tasks.get(message.type);
      if (!task) throw new PermanentError(`no task registered for type ${message.type}`);
      await task.run(message.payload, { db, config, logger: logger.child({ task: message.type, messageId: message.id }), message, ...(metrics ? { metrics } : {}), ...(serverSecret ? { serverSecret } : {}) });
    },
  };
}
