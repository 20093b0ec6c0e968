// The notifications module owns email and SMS: the jobs, their delivery log, the consumers that fan events out and deliver, and the dead letters.
import type { Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { listDeadLetters, replayDeadLetter, type DeadLetterRow } from '../../infra/queue/dead-letters.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound } from '../../shared/errors.ts';
import { recordAccess, type AccessActor } from '../access-log/access-log.repo.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { listDeliveries, requeueDeadDelivery, type DeliveryRow } from './deliveries.repo.ts';
import type { DeadLetterQueryInput, DeliveryQueryInput } from './notifications.schemas.ts';

export function deliveryView(row: DeliveryRow) {
  return {
    id: row.id,
    messageId: row.messageId,
    channel: row.channel,
    template: row.template,
    recipient: row.recipient,
    status: row.status,
    attempts: row.attempts,
    lastError: row.lastError,
    sentAt: row.sentAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deadLetterView(row: DeadLetterRow) {
  return {
    id: row.id,
    messageId: row.messageId,
    hospitalId: row.hospitalId,
    queue: row.queue,
    type: row.type,
    reason: row.reason,
    attempts: row.attempts,
    source: row.source,
    replayedAt: row.replayedAt?.toISOString() ?? null,
    replayedBy: row.replayedBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: (row.replayedAt ?? row.createdAt).toISOString(),
  };
}

export function createNotificationService({ db }: { db: Db }) {
  return {
    /** The hospital's delivery log, newest first; the patients its page names are recorded as seen, in the same transaction. */
    async list(actor: AccessActor & { hospitalId: string }, query: DeliveryQueryInput) {
      const after = decodeTimeCursor(query.cursor);
      const { items, nextCursor } = await withTenant(db, actor, async (scope) => {
        const rows = await listDeliveries(scope, { limit: query.limit, after, filter: { status: query.status, channel: query.channel } });
        const result = pageOf(rows, query.limit, (r) => r.cursorKey);
        await recordAccess(scope, 'deliveries.read', result.items.flatMap((r) => (r.patientId ? [r.patientId] : [])));
        return result;
      });
      return { items: items.map(deliveryView), nextCursor };
    },

    /** Platform-wide: every dead letter, newest first (operators only). */
    async listDeadLetters(query: DeadLetterQueryInput) {
      const after = decodeTimeCursor(query.cursor);
      const rows = await listDeadLetters(db, { limit: query.limit, after, replayed: query.replayed });
      const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
      return { items: items.map(deadLetterView), nextCursor };
    },

    /** Sends a dead message round again (same message id, fresh attempts); audited. */
    async replayDeadLetter(actor: Actor, id: string) {
      const outcome = await db.transaction(async (tx) => {
        const result = await replayDeadLetter(tx, id, actor.userId);
        if (result.kind === 'replayed') {
          await requeueDeadDelivery(tx, result.row.messageId);
          await recordAudit({ tx, hospitalId: result.row.hospitalId, actor }, {
            action: 'dead_letter.replayed',
            entityType: 'dead_letter',
            entityId: result.row.id,
            metadata: { messageId: result.row.messageId, queue: result.row.queue, type: result.row.type },
          });
        }
        return result;
      });
      if (outcome.kind === 'not_found') throw notFound('Dead letter');
      if (outcome.kind === 'already_replayed') {
        throw new DomainError('CONFLICT', 'This dead letter was already replayed', { replayedAt: outcome.row.replayedAt?.toISOString() });
      }
      return deadLetterView(outcome.row);
    },
  };
}

export type NotificationService = ReturnType<typeof createNotificationService>;
