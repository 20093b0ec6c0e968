import { setTimeout as sleep } from 'node:timers/promises';
import { ConsumerStatus, type AsyncMessage, type Consumer } from 'rabbitmq-client';
import type { Logger } from 'pino';
import type { QueueMessage, WireMessage } from './message.ts';
import { queueNames, type QueueName } from './outbox.ts';
import type { Rabbit } from './rabbitmq.ts';
import type { Runtime } from './runtime.ts';
import { bindings, deadLetterQueueDeclaration, exchangeDeclarations, queueDeclaration } from './topology.ts';

export interface Consumers {
  /** Stops consuming, waits for in-flight handlers to settle (their messages are acked), then closes the channels. */
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decode(msg: AsyncMessage): QueueMessage | null {
  const body = (Buffer.isBuffer(msg.body) ? safeParse(msg.body.toString('utf8')) : msg.body) as Partial<WireMessage> | null;
  if (!body || typeof body !== 'object') return null;
  if (typeof body.id !== 'string' || !UUID.test(body.id) || typeof body.type !== 'string') return null;
  if (!queueNames.includes(body.queue as QueueName) || !body.payload || typeof body.payload !== 'object') return null;
  const headerAttempt = Number(msg.headers?.['x-attempt']);
  return {
    id: body.id,
    hospitalId: typeof body.hospitalId === 'string' ? body.hospitalId : null,
    queue: body.queue as QueueName,
    type: body.type,
    payload: body.payload,
    attempt: Number.isInteger(body.attempt) ? body.attempt! : Number.isInteger(headerAttempt) ? headerAttempt : 1,
    createdAt: new Date(body.createdAt ?? Date.now()),
  };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Redeliveries so far (quorum queues count them in x-delivery-count). */
const deliveryCount = (msg: AsyncMessage) => Number(msg.headers?.['x-delivery-count'] ?? (msg.redelivered ? 1 : 0)) || 0;

/**
 * Infrastructure trouble (the outcome could not be recorded): give the message
 * back after a growing pause, so a database outage is waited out rather than
 * spun on. Quorum queues dead-letter it after DELIVERY_LIMIT such returns.
 */
const requeueLater = async (msg: AsyncMessage) => {
  await sleep(Math.min(5_000, 250 * 2 ** Math.min(deliveryCount(msg), 5)) * (0.5 + Math.random() / 2));
  return ConsumerStatus.REQUEUE;
};

/**
 * One consumer per queue and one dead-letter recorder per DLQ. Acks come
 * after the outcome is recorded in PostgreSQL (sent, rescheduled or
 * dead-lettered), never before: a crash before the ack means redelivery, and
 * redelivery is harmless because handlers are idempotent.
 *
 * Prefetch is twice the concurrency: each worker keeps one message ready per
 * busy slot and no more, so with several workers no one hoards the queue.
 */
export function startConsumers(options: {
  rabbit: Rabbit;
  runtime: Runtime;
  logger: Logger;
  concurrency: number;
  /** Queues that want another concurrency than `concurrency` (the email queue feeds an SMTP pool). */
  concurrencyOf?: Partial<Record<QueueName, number>>;
}): Consumers {
  const { rabbit, runtime, logger } = options;
  const t = rabbit.topology;
  const consumers: Consumer[] = [];

  for (const queue of queueNames) {
    if (!runtime.handlers[queue]) continue;
    const concurrency = options.concurrencyOf?.[queue] ?? options.concurrency;
    const consumer = rabbit.connection.createConsumer(
      {
        queue: t.queue[queue],
        queueOptions: queueDeclaration(t, queue),
        exchanges: exchangeDeclarations(t),
        queueBindings: bindings(t).filter((b) => b.queue === t.queue[queue]),
        qos: { prefetchCount: concurrency * 2 },
        concurrency,
        requeue: true,
      },
      async (msg) => {
        const message = decode(msg);
        // Not one of ours (or corrupt): the broker moves it to the DLQ, where the recorder keeps it for an operator.
        if (!message) return ConsumerStatus.DROP;
        try {
          await runtime.process(message);
          return ConsumerStatus.ACK;
        } catch (err) {
          logger.warn({ messageId: message.id, queue, err: (err as Error).message }, 'message outcome not recorded; requeued');
          return requeueLater(msg);
        }
      },
    );
    consumer.on('error', (err: Error) => logger.warn({ queue, err: err.message }, 'consumer error'));
    consumers.push(consumer);

    const recorder = rabbit.connection.createConsumer(
      {
        queue: t.deadLetterQueue[queue],
        queueOptions: deadLetterQueueDeclaration(t, queue),
        exchanges: exchangeDeclarations(t),
        queueBindings: bindings(t).filter((b) => b.queue === t.deadLetterQueue[queue]),
        qos: { prefetchCount: 4 },
        concurrency: 1,
        requeue: true,
      },
      async (msg) => {
        const decoded = decode(msg);
        const message: QueueMessage = decoded ?? {
          id: typeof msg.messageId === 'string' && UUID.test(msg.messageId) ? msg.messageId : crypto.randomUUID(),
          hospitalId: null,
          queue,
          type: msg.type ?? 'unknown',
          payload: { undecodable: Buffer.isBuffer(msg.body) ? msg.body.toString('base64') : msg.body ?? null },
          attempt: 0,
          createdAt: new Date(),
        };
        const why = String(msg.headers?.['x-first-death-reason'] ?? 'dead-lettered');
        const reason = decoded ? `broker dead-lettered (${why}) from ${queue}` : `undecodable message dead-lettered (${why}) from ${queue}`;
        try {
          await runtime.deadFromBroker(message, reason);
          return ConsumerStatus.ACK;
        } catch (err) {
          logger.warn({ queue, err: (err as Error).message }, 'dead letter not recorded; requeued');
          return requeueLater(msg);
        }
      },
    );
    recorder.on('error', (err: Error) => logger.warn({ queue: `${queue}.dlq`, err: err.message }, 'dead-letter recorder error'));
    consumers.push(recorder);
  }

  return {
    async close() {
      await Promise.allSettled(consumers.map((c) => c.close()));
    },
  };
}
