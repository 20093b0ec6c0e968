// The webhooks module owns a hospital's endpoints, their events in the outbox, their delivery and its log.
import { sql } from 'drizzle-orm';
import { rawRows, type Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { OutboundRefused, resolveTarget } from '../../infra/http/outbound.ts';
import { replayDeadLetter } from '../../infra/queue/dead-letters.ts';
import { reschedule } from '../../infra/queue/outbox.ts';
import { decodeTimeCursor, pageOf } from '../../shared/cursor.ts';
import { DomainError, notFound, validation } from '../../shared/errors.ts';
import { recordAudit, type Actor } from '../audit/audit.repo.ts';
import { requeueDeadDelivery } from '../notifications/deliveries.repo.ts';
import { enqueueWebhook, TEST_WEBHOOK_EVENT } from './events.ts';
import { createSecretBox, generateSecret } from './secrets.ts';
import {
  deleteEndpoint,
  findEndpoint,
  findWebhookDelivery,
  insertEndpoint,
  listEndpoints,
  listWebhookDeliveries,
  updateEndpoint,
  type EndpointValues,
} from './webhooks.repo.ts';
import type { CreateWebhookInput, ListWebhookDeliveriesInput, ListWebhooksInput, UpdateWebhookInput } from './webhooks.schemas.ts';
import { webhookDeliveryView, webhookView } from './webhooks.views.ts';

type WebhookActor = Actor & { hospitalId: string };

export interface WebhookServiceOptions {
  db: Db;
  serverSecret: string;
  allowPrivate: boolean;
  rotationWindowHours: number;
  /** Replaceable for tests: how hosts are resolved when a URL is checked. */
  resolve?: (host: string) => Promise<{ address: string; family: number }[]>;
}

export function createWebhookService(options: WebhookServiceOptions) {
  const { db } = options;
  const box = createSecretBox(options.serverSecret);

  /** The SSRF rules at the door: a URL Tempus would refuse to call is refused when it is saved (400). */
  async function checkUrl(url: string): Promise<void> {
    try {
      await resolveTarget(url, { allowPrivate: options.allowPrivate, resolve: options.resolve });
    } catch (err) {
      if (!(err instanceof OutboundRefused)) throw err;
      throw validation(`url ${err.message}`, { fields: [{ field: 'url', in: 'body', message: err.message }] });
    }
  }

  async function existing(scope: Parameters<typeof findEndpoint>[0], id: string, forUpdate = false) {
    const row = await findEndpoint(scope, id, { forUpdate });
    if (!row) throw notFound('Webhook');
    return row;
  }

  return {
    async create(actor: WebhookActor, input: CreateWebhookInput) {
      await checkUrl(input.url);
      const secret = generateSecret();
      return withTenant(db, actor, async (scope) => {
        const row = await insertEndpoint(scope, {
          url: input.url,
          events: [...input.events],
          active: input.active ?? true,
          secretSealed: box.seal(secret),
          createdBy: actor.userId,
        });
        await recordAudit(scope, { action: 'webhook.created', entityType: 'webhook', entityId: row.id, changes: ['url', 'events', 'active'], metadata: { url: row.url, events: row.events } });
        return { ...webhookView(row), secret };
      });
    },

    async list(actor: WebhookActor, query: ListWebhooksInput) {
      const after = decodeTimeCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        const { items, nextCursor } = pageOf(await listEndpoints(scope, after, query.limit), query.limit, (r) => r.cursorKey);
        return { items: items.map((r) => webhookView(r)), nextCursor };
      });
    },

    async get(actor: WebhookActor, id: string) {
      return withTenant(db, actor, async (scope) => webhookView(await existing(scope, id)));
    },

    async update(actor: WebhookActor, id: string, input: UpdateWebhookInput) {
      if (input.url !== undefined) await checkUrl(input.url);
      return withTenant(db, actor, async (scope) => {
        await existing(scope, id, true);
        const changes: Partial<EndpointValues> = {};
        if (input.url !== undefined) changes.url = input.url;
        if (input.events !== undefined) changes.events = [...input.events];
        if (input.active !== undefined) changes.active = input.active;
        // Enabling again starts afresh: the old failing streak would disable it at the next failure.
        if (input.active === true) Object.assign(changes, { disabledAt: null, disabledReason: null, failingSince: null });
        const row = (await updateEndpoint(scope, id, changes))!;
        await recordAudit(scope, { action: 'webhook.updated', entityType: 'webhook', entityId: id, changes: Object.keys(input), metadata: { url: row.url, events: row.events, active: row.active } });
        return webhookView(row);
      });
    },

    /** Deletes the endpoint (its attempts go with it; its lines in the delivery log stay). Answers what it was. */
    async remove(actor: WebhookActor, id: string) {
      return withTenant(db, actor, async (scope) => {
        const row = await existing(scope, id, true);
        await deleteEndpoint(scope, id);
        await recordAudit(scope, { action: 'webhook.deleted', entityType: 'webhook', entityId: id, metadata: { url: row.url } });
        return webhookView(row);
      });
    },

    /** A new secret signs from now on; the old one signs alongside it for the rotation window. */
    async rotateSecret(actor: WebhookActor, id: string) {
      const secret = generateSecret();
      return withTenant(db, actor, async (scope) => {
        const row = await existing(scope, id, true);
        const until = options.rotationWindowHours > 0 ? new Date(Date.now() + options.rotationWindowHours * 3_600_000) : null;
        await updateEndpoint(scope, id, { secretSealed: box.seal(secret), previousSecretSealed: until ? row.secretSealed : null, previousSecretUntil: until });
        await recordAudit(scope, { action: 'webhook.secret_rotated', entityType: 'webhook', entityId: id, metadata: { rotationEndsAt: until?.toISOString() ?? null } });
        return { secret, rotationEndsAt: until?.toISOString() ?? null };
      });
    },

    /** A `webhook.test` event to this endpoint alone, through the same outbox and delivery as every event. */
    async sendTest(actor: WebhookActor, id: string) {
      return withTenant(db, actor, async (scope) => {
        const row = await existing(scope, id);
        if (!row.active) throw new DomainError('CONFLICT', 'This webhook is disabled; enable it (active: true) before testing it', { webhookId: id });
        const at = new Date();
        const messageId = await enqueueWebhook(scope, id, { type: TEST_WEBHOOK_EVENT, timestamp: at.toISOString(), data: { webhookId: id, hospitalId: scope.hospitalId } });
        await recordAudit(scope, { action: 'webhook.tested', entityType: 'webhook', entityId: id, metadata: { messageId } });
        return webhookDeliveryView((await findWebhookDelivery(scope, id, messageId))!);
      });
    },

    async deliveries(actor: WebhookActor, id: string, query: ListWebhookDeliveriesInput) {
      const after = decodeTimeCursor(query.cursor);
      return withTenant(db, actor, async (scope) => {
        await existing(scope, id);
        const rows = await listWebhookDeliveries(scope, id, { limit: query.limit, after, status: query.status });
        const { items, nextCursor } = pageOf(rows, query.limit, (r) => r.cursorKey);
        return { items: items.map(webhookDeliveryView), nextCursor };
      });
    },

    /**
     * Sends a delivery again now: a dead one through the dead-letter replay
     * (same message id, fresh attempts), a waiting one by bringing its next
     * attempt forward. A delivered one is a 409: the receiver has it.
     */
    async retryDelivery(actor: WebhookActor, id: string, deliveryId: string) {
      const delivery = await withTenant(db, actor, async (scope) => {
        await existing(scope, id);
        const row = await findWebhookDelivery(scope, id, deliveryId);
        if (!row) throw notFound('Webhook delivery');
        if (row.status === 'sent') throw new DomainError('CONFLICT', 'This delivery was already delivered', { deliveryId });
        return row;
      });
      // Dead letters and outbox rows of other states belong to the platform side: the owner connection, scoped by the ids checked above.
      await db.transaction(async (tx) => {
        if (delivery.status === 'dead') {
          const [dead] = await rawRows<{ id: string }>(tx, sql`select id from dead_letters where message_id = ${deliveryId}::uuid and replayed_at is null`);
          if (dead) await replayDeadLetter(tx, dead.id, actor.userId);
          else await reschedule(tx, deliveryId, { availableAt: new Date() });
          await requeueDeadDelivery(tx, deliveryId);
        } else {
          await reschedule(tx, deliveryId, { availableAt: new Date() });
        }
        await recordAudit({ tx, hospitalId: actor.hospitalId, actor }, { action: 'webhook.delivery_retried', entityType: 'webhook', entityId: id, metadata: { deliveryId, from: delivery.status } });
      });
      return withTenant(db, actor, async (scope) => webhookDeliveryView((await findWebhookDelivery(scope, id, deliveryId))!));
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
