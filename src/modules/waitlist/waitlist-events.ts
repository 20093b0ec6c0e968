import type { OutboxMessage } from '../../infra/queue/outbox.ts';
import type { FreedSlot } from './waitlist.repo.ts';

/** The `tasks` message that asks the offer engine to offer a freed slot to the waitlist (waitlist-tasks.ts runs it). */
export const OFFER_SLOT_TASK = 'waitlist.offer_slot';

/**
 * Written in the transaction that frees the slot (a cancellation, a move
 * away, a declined, withdrawn or expired offer, an expired hold), so the
 * waitlist hears of every freed slot exactly when the change commits, and
 * never of one that rolled back. The engine is safe to run twice for one
 * slot (its hold takes the slot through the exclusion constraint).
 */
export function slotFreedMessage(hospitalId: string, slot: FreedSlot): OutboxMessage {
  return {
    hospitalId,
    queue: 'tasks',
    type: OFFER_SLOT_TASK,
    payload: { doctorId: slot.doctorId, visitTypeId: slot.visitTypeId, start: slot.start.toISOString(), end: slot.end.toISOString() },
  };
}
