import type { Executor } from '../db/client.ts';
import { outbox } from '../db/schema/outbox.ts';

/** The queues a message can be routed to (SPEC section 11). */
export type QueueName = 'tasks' | 'notifications' | 'email_notifications' | 'sms_notifications';

export interface OutboxMessage {
  hospitalId: string | null;
  queue: QueueName;
  type: string;
  payload: Record<string, unknown>;
  /** When the message may be delivered; now unless delayed (reminders, retries). */
  availableAt?: Date;
}

/**
 * Writes messages in the caller's transaction: if the change rolls back, so do
 * they, and nothing is ever sent for it.
 */
export async function enqueue(tx: Executor, messages: OutboxMessage | OutboxMessage[]): Promise<string[]> {
  const list = Array.isArray(messages) ? messages : [messages];
  if (list.length === 0) return [];
  const rows = await tx
    .insert(outbox)
    .values(
      list.map((m) => ({
        hospitalId: m.hospitalId,
        queue: m.queue,
        type: m.type,
        payload: m.payload,
        ...(m.availableAt ? { availableAt: m.availableAt } : {}),
      })),
    )
    .returning({ id: outbox.id });
  return rows.map((r) => r.id);
}
