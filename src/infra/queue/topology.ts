import type { Connection, MethodParams, Cmd } from 'rabbitmq-client';
import { queueNames, type QueueName } from './outbox.ts';

/**
 * RabbitMQ topology, declared idempotently by every worker at start (and again
 * by each publisher/consumer channel after a reconnect):
 *
 *   exchange <prefix>tempus (direct, durable)      routing key = logical queue name
 *     -> <prefix>tasks, <prefix>notifications, <prefix>email_notifications, <prefix>sms_notifications
 *   exchange <prefix>tempus.dlx (direct, durable)   dead letters, same routing keys
 *     -> <prefix><queue>.dlq, one per queue
 *
 * Queues are quorum queues (why: docs/messaging.md): replicated, always
 * durable, with a delivery limit that dead-letters a message which keeps
 * killing its consumer, and at-least-once dead-lettering so a dead letter
 * cannot be lost between the queue and its DLQ.
 */
export interface Topology {
  exchange: string;
  deadLetterExchange: string;
  queue: Record<QueueName, string>;
  deadLetterQueue: Record<QueueName, string>;
}

/** Redeliveries (consumer crashes, requeues) after which the broker dead-letters a message. */
export const DELIVERY_LIMIT = 20;

type QueueDeclare = MethodParams[Cmd.QueueDeclare];
type ExchangeDeclare = MethodParams[Cmd.ExchangeDeclare];
type QueueBind = MethodParams[Cmd.QueueBind];

export function topologyOf(prefix: string): Topology {
  const by = (suffix: string) => Object.fromEntries(queueNames.map((q) => [q, `${prefix}${q}${suffix}`])) as Record<QueueName, string>;
  return { exchange: `${prefix}tempus`, deadLetterExchange: `${prefix}tempus.dlx`, queue: by(''), deadLetterQueue: by('.dlq') };
}

export function exchangeDeclarations(t: Topology): ExchangeDeclare[] {
  return [
    { exchange: t.exchange, type: 'direct', durable: true },
    { exchange: t.deadLetterExchange, type: 'direct', durable: true },
  ];
}

export function queueDeclaration(t: Topology, queue: QueueName): QueueDeclare {
  return {
    queue: t.queue[queue],
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': t.deadLetterExchange,
      'x-dead-letter-routing-key': queue,
      // at-least-once dead-lettering needs reject-publish overflow (RabbitMQ 3.10+).
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      'x-delivery-limit': DELIVERY_LIMIT,
    },
  };
}

export function deadLetterQueueDeclaration(t: Topology, queue: QueueName): QueueDeclare {
  return { queue: t.deadLetterQueue[queue], durable: true, arguments: { 'x-queue-type': 'quorum' } };
}

export function bindings(t: Topology): QueueBind[] {
  return queueNames.flatMap((q) => [
    { queue: t.queue[q], exchange: t.exchange, routingKey: q },
    { queue: t.deadLetterQueue[q], exchange: t.deadLetterExchange, routingKey: q },
  ]);
}

export function allQueueDeclarations(t: Topology): QueueDeclare[] {
  return queueNames.flatMap((q) => [queueDeclaration(t, q), deadLetterQueueDeclaration(t, q)]);
}

/** Declares everything; safe to run from every worker at every start (declarations are idempotent). */
export async function declareTopology(rabbit: Connection, t: Topology): Promise<void> {
  for (const exchange of exchangeDeclarations(t)) await rabbit.exchangeDeclare(exchange);
  for (const queue of allQueueDeclarations(t)) await rabbit.queueDeclare(queue);
  for (const binding of bindings(t)) await rabbit.queueBind(binding);
}

/** Removes a prefix's queues and exchanges (tests clean up their private topology). */
export async function deleteTopology(rabbit: Connection, t: Topology): Promise<void> {
  for (const q of queueNames) {
    await rabbit.queueDelete({ queue: t.queue[q] }).catch(() => undefined);
    await rabbit.queueDelete({ queue: t.deadLetterQueue[q] }).catch(() => undefined);
  }
  await rabbit.exchangeDelete({ exchange: t.exchange }).catch(() => undefined);
  await rabbit.exchangeDelete({ exchange: t.deadLetterExchange }).catch(() => undefined);
}
