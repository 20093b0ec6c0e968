import type { Logger } from 'pino';
import type { Db } from '../../infra/db/client.ts';
import { createSignedTokens } from '../../infra/crypto/signed-token.ts';
import { TenantScope, withTenant } from '../../infra/db/tenant.ts';
import { PermanentError } from '../../infra/queue/errors.ts';
import type { TaskContext, TaskDefinition } from '../../infra/queue/tasks.ts';
import type { MessagingRegistry } from '../notifications/registry.ts';
import { offerSlot, systemActor, withdrawOffer, type OfferDeps } from './offer-engine.ts';
import { OFFER_SLOT_TASK } from './waitlist-events.ts';
import { dueOffers, findOffer, type FreedSlot } from './waitlist.repo.ts';
import { expireDueHolds } from './expired-holds.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Offers settled per task run at most (the next run takes the rest). */
const EXPIRY_BATCH = 200;

function slotOf(payload: Record<string, unknown>): FreedSlot {
  const { doctorId, visitTypeId, start, end } = payload;
  if (typeof doctorId !== 'string' || !UUID.test(doctorId)) throw new PermanentError('invalid waitlist.offer_slot: doctorId is not a uuid');
  if (visitTypeId !== null && (typeof visitTypeId !== 'string' || !UUID.test(visitTypeId))) throw new PermanentError('invalid waitlist.offer_slot: visitTypeId');
  const at = (v: unknown, field: string) => {
    const d = typeof v === 'string' ? new Date(v) : new Date(Number.NaN);
    if (Number.isNaN(d.getTime())) throw new PermanentError(`invalid waitlist.offer_slot: ${field} is not an instant`);
    return d;
  };
  return { doctorId, visitTypeId: (visitTypeId as string | null) ?? null, start: at(start, 'start'), end: at(end, 'end') };
}

/** What the engine needs from a task's context: the offer links are signed with the server secret and built on PUBLIC_BASE_URL. */
export function offerDepsOf(ctx: Pick<TaskContext, 'config' | 'serverSecret' | 'logger'>, now?: () => Date): OfferDeps {
  if (!ctx.serverSecret) throw new PermanentError('the waitlist tasks need the server secret');
  return { tokens: createSignedTokens(ctx.serverSecret), publicBaseUrl: ctx.config.env.PUBLIC_BASE_URL, logger: ctx.logger, ...(now ? { now } : {}) };
}

/** Queue `tasks`, `waitlist.offer_slot`: one freed slot, offered in the slot's hospital (at-least-once: running it twice offers nothing twice). */
export const offerSlotTask: TaskDefinition = {
  type: OFFER_SLOT_TASK,
  async run(payload, ctx) {
    const hospitalId = ctx.message.hospitalId;
    if (!hospitalId) throw new PermanentError('waitlist.offer_slot has no hospital');
    const slot = slotOf(payload);
    const deps = offerDepsOf(ctx);
    const offer = await withTenant(ctx.db, hospitalId, (base) => offerSlot(new TenantScope(base.tx, hospitalId, systemActor(ctx.message.id)), slot, deps));
    if (offer) ctx.logger.info({ offerId: offer.id, entryId: offer.entryId }, 'waitlist offer made');
  },
};

/**
 * Pending offers past their expiry become `expired`, their holds are
 * released and their slots go back to the waitlist (the next entry); public
 * holds that expired are swept the same way. Each offer is settled in its own
 * tenant transaction under its row lock; a second worker finds it settled.
 */
export async function expireOffers(db: Db, now: Date = new Date(), logger?: Logger, runId = 'expiry'): Promise<{ offers: number; holds: number }> {
  let offers = 0;
  for (const due of await dueOffers(db, now, EXPIRY_BATCH)) {
    const done = await withTenant(db, due.hospitalId, async (base) => {
      const scope = new TenantScope(base.tx, due.hospitalId, systemActor(runId));
      const offer = await findOffer(scope, due.id, { lock: true });
      return offer && offer.status === 'pending' && offer.expiresAt.getTime() <= now.getTime() ? withdrawOffer(scope, offer, 'expired') : false;
    });
    if (done) offers++;
  }
  const holds = await expireDueHolds(db, now);
  if (offers || holds) logger?.info({ offers, holds }, 'waitlist offers and holds expired');
  return { offers, holds };
}

export const offerExpiryTask: TaskDefinition = {
  type: 'waitlist.expire_offers',
  schedule: { everyMs: 60_000 },
  async run(_payload, { db, logger, message }) {
    await expireOffers(db, new Date(), logger, message.id);
  },
};

/** The one line src/messaging.ts calls. */
export function registerWaitlist(registry: MessagingRegistry): void {
  registry.addTask(offerSlotTask);
  registry.addTask(offerExpiryTask);
}
