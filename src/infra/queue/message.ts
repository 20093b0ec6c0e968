import type { QueueName } from './outbox.ts';

/**
 * A message as every handler sees it, whichever transport delivered it
 * (RabbitMQ or in-process). `id` is the outbox id: the idempotency key of
 * everything downstream.
 */
export interface QueueMessage<P = Record<string, unknown>> {
  id: string;
  hospitalId: string | null;
  queue: QueueName;
  type: string;
  payload: P;
  /** 1 on the first try; deferrals do not count. */
  attempt: number;
  createdAt: Date;
}

/** The body of a RabbitMQ message (JSON); the outbox id is also its AMQP message-id. */
export interface WireMessage {
  id: string;
  hospitalId: string | null;
  queue: QueueName;
  type: string;
  payload: Record<string, unknown>;
  attempt: number;
  createdAt: string;
}

/** One consumer per queue; `handle` dispatches by message type when a queue carries several. */
export interface QueueHandler {
  queue: QueueName;
  handle(message: QueueMessage): Promise<void>;
  /** The runtime gave up on the message (permanent failure, retries exhausted, broker dead-letter). */
  onDead?(message: QueueMessage, reason: string): Promise<void>;
}
