import type { Publisher } from 'rabbitmq-client';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { WireMessage } from './message.ts';
import { lockDue, markPublished, nextDueAt, type OutboxRow } from './outbox.ts';
import { createPump, type Pump, type StepResult } from './pump.ts';
import type { Rabbit } from './rabbitmq.ts';
import { allQueueDeclarations, bindings, exchangeDeclarations } from './topology.ts';

/** A confirm that has not arrived after this long fails the publish (the row stays unpublished). */
const PUBLISH_TIMEOUT_MS = 10_000;

export interface OutboxRelay {
  pump: Pump;
  close(): Promise<void>;
}

/**
 * The outbox relay: in one transaction, lock a batch of due rows (FOR UPDATE
 * SKIP LOCKED, so relays in other workers take other rows), publish each as a
 * persistent message with a publisher confirm and the outbox id as message id,
 * and mark the confirmed ones published. A crash before the commit leaves the
 * rows unpublished, and they go out again: at-least-once, made exactly-once in
 * effect by the idempotent consumers.
 */
export function createOutboxRelay(options: {
  db: Db;
  rabbit: Rabbit;
  logger: Logger;
  metrics?: Metrics;
  batchSize: number;
  pollIntervalMs: number;
}): OutboxRelay {
  const { db, rabbit, logger, metrics, batchSize, pollIntervalMs } = options;
  const t = rabbit.topology;
  const returned = new Set<string>();
  const publisher: Publisher = rabbit.connection.createPublisher({
    confirm: true,
    maxAttempts: 1,
    exchanges: exchangeDeclarations(t),
    queues: allQueueDeclarations(t),
    queueBindings: bindings(t),
  });
  // mandatory + basic.return: a message no queue would take is not "published". The
  // broker sends the return before the confirm, so it is known when send() resolves.
  publisher.on('basic.return', (msg) => {
    if (msg.messageId) returned.add(msg.messageId);
  });

  const publish = (row: OutboxRow) => {
    const body: WireMessage = {
      id: row.id,
      hospitalId: row.hospitalId,
      queue: row.queue,
      type: row.type,
      payload: row.payload,
      attempt: row.attempts + 1,
      createdAt: row.createdAt.toISOString(),
    };
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      publisher.send(
        {
          exchange: t.exchange,
          routingKey: row.queue,
          mandatory: true,
          durable: true,
          messageId: row.id,
          type: row.type,
          contentType: 'application/json',
          timestamp: Math.floor(row.createdAt.getTime() / 1000),
          headers: { 'x-attempt': row.attempts + 1 },
        },
        body,
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no publisher confirm within ${PUBLISH_TIMEOUT_MS} ms`)), PUBLISH_TIMEOUT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  };

  const step = async (): Promise<StepResult> => {
    // Do not lock rows for a broker that is not there; the 'connection' event wakes us.
    if (!rabbit.connection.ready) return 'busy';
    const { published, failed, total } = await db.transaction(async (tx) => {
      const rows = await lockDue(tx, batchSize);
      if (rows.length === 0) return { published: 0, failed: [] as string[], total: 0 };
      const results = await Promise.allSettled(rows.map(publish));
      const ok: string[] = [];
      const failed: string[] = [];
      results.forEach((r, i) => {
        const id = rows[i]!.id;
        if (r.status === 'fulfilled' && !returned.delete(id)) ok.push(id);
        else failed.push(r.status === 'rejected' ? (r.reason as Error).message : 'unroutable (returned by the broker)');
      });
      await markPublished(tx, ok);
      for (const row of rows) if (ok.includes(row.id)) metrics?.messages.inc({ queue: row.queue, event: 'published' });
      return { published: ok.length, failed, total: rows.length };
    });
    if (failed.length) {
      // The rows stay unpublished; throwing makes the pump back off before trying again.
      throw new Error(`${failed.length} of ${total} publishes failed: ${failed[0]}`);
    }
    return published === batchSize ? 'more' : 'idle';
  };

  const pump = createPump({ name: 'outbox-relay', logger, pollIntervalMs, step, nextDueAt: () => nextDueAt(db) });
  const onConnection = () => pump.wake();
  rabbit.connection.on('connection', onConnection);
  return {
    pump,
    async close() {
      await pump.stop();
      rabbit.connection.off('connection', onConnection);
      await publisher.close();
    },
  };
}
