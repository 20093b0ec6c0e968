import { Connection } from 'rabbitmq-client';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { HealthCheck } from '../observability/health.ts';
import { queueNames } from './outbox.ts';
import { topologyOf, type Topology } from './topology.ts';

export interface Rabbit {
  connection: Connection;
  topology: Topology;
  close(): Promise<void>;
}

/**
 * Where rabbitmq-client connects for RABBITMQ_URL: one URL, or the nodes of a
 * cluster (comma separated, differing only in host and port). With a list,
 * credentials and vhost come from the first entry and every connection
 * attempt goes to the next host in turn, so a reconnect after a node dies
 * lands on another node (quorum queues have a replica there).
 */
export function rabbitTarget(url: string): { url: string; hosts?: string[] } {
  const nodes = url.split(',');
  if (nodes.length === 1) return { url };
  return { url: nodes[0]!, hosts: nodes.map((node) => new URL(node).host) };
}

/**
 * One RabbitMQ connection per process. rabbitmq-client reconnects by itself
 * (exponential delay up to RABBITMQ_RECONNECT_MAX_DELAY_MS, to the next node
 * of a list) and re-declares the topology on every publisher/consumer
 * channel it re-opens.
 */
export function createRabbit(config: Config, logger: Logger, name: string): Rabbit {
  const url = config.env.RABBITMQ_URL;
  if (!url) throw new Error('createRabbit needs RABBITMQ_URL');
  const connection = new Connection({
    ...rabbitTarget(url),
    connectionName: name,
    retryLow: 200,
    retryHigh: config.env.RABBITMQ_RECONNECT_MAX_DELAY_MS,
    connectionTimeout: 5_000,
    // A publish or declare waits this long for a (re)connection before failing.
    acquireTimeout: 5_000,
    heartbeat: 15,
  });
  let lastWarn = 0;
  connection.on('error', (err: Error) => {
    // While the broker is away every reconnect attempt fails; one line per 10 s is enough.
    if (Date.now() - lastWarn > 10_000) {
      lastWarn = Date.now();
      logger.warn({ err: err.message }, 'rabbitmq connection error');
    }
  });
  connection.on('connection', () => logger.info('rabbitmq connected'));
  return {
    connection,
    topology: topologyOf(config.env.RABBITMQ_PREFIX),
    close: () => connection.close(),
  };
}

/** Messages waiting in each queue and dead-letter queue (passive declares; nothing is created). */
export async function queueDepths(rabbit: Rabbit): Promise<Record<string, number>> {
  const depths: Record<string, number> = {};
  if (!rabbit.connection.ready) return depths;
  for (const q of queueNames) {
    for (const name of [rabbit.topology.queue[q], rabbit.topology.deadLetterQueue[q]]) {
      const ok = await rabbit.connection.queueDeclare({ queue: name, passive: true }).catch(() => null);
      if (ok) depths[name] = ok.messageCount;
    }
  }
  return depths;
}

/** /health: up when the connection is established; reports the depth of each queue and DLQ. */
export function rabbitHealthCheck(rabbit: Rabbit): HealthCheck {
  return {
    name: 'rabbitmq',
    critical: false,
    async run() {
      if (!rabbit.connection.ready) return { status: 'down', error: 'not connected' };
      return { status: 'up', queues: await queueDepths(rabbit) };
    },
  };
}
