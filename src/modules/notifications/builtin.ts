import { Type } from 'typebox';
import { deletePublished } from '../../infra/queue/outbox.ts';
import { parseContract, TemplateName } from './contracts.ts';
import type { MessagingRegistry, NotificationRecipient } from './registry.ts';

/**
 * `notification.test`: an event that names its recipients itself, so the
 * notification path (fan-out, channel choice, plan check, delivery) can be
 * exercised end to end before any module registers a resolver of its own —
 * and by operators checking a deployment.
 */
export const TEST_EVENT = 'notification.test';

const TestEventPayload = Type.Object({
  recipients: Type.Array(
    Type.Object({
      key: Type.String({ minLength: 1 }),
      channel: Type.Union([Type.Literal('email'), Type.Literal('sms'), Type.Literal('none')]),
      email: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      phone: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      template: Type.Optional(TemplateName),
      data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
    { maxItems: 100 },
  ),
  skip: Type.Optional(Type.String()),
});

/** Published outbox rows older than OUTBOX_RETENTION_DAYS go, a bounded batch per run. */
export const OUTBOX_CLEANUP = 'outbox.cleanup';

export function registerBuiltinMessaging(registry: MessagingRegistry): void {
  registry.addResolver(TEST_EVENT, async ({ event }) => {
    const payload = parseContract(TestEventPayload, event.payload, 'notification.test payload');
    if (payload.skip) return { skip: payload.skip };
    return {
      recipients: payload.recipients.map(
        (r): NotificationRecipient => ({
          key: r.key,
          channel: r.channel,
          email: r.email ?? null,
          phone: r.phone ?? null,
          template: r.template ?? 'welcome',
          data: r.data ?? { hospitalName: 'Tempus test' },
        }),
      ),
    };
  });

  registry.addTask({
    type: OUTBOX_CLEANUP,
    schedule: { everyMs: 3_600_000 },
    async run(_payload, { db, config, logger }) {
      const deleted = await deletePublished(db, config.env.OUTBOX_RETENTION_DAYS, 10_000);
      if (deleted) logger.info({ deleted }, 'old outbox rows deleted');
    },
  });
}
