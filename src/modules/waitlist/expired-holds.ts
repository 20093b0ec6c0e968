import { sql } from 'drizzle-orm';
import { rawRows, type Db } from '../../infra/db/client.ts';
import { withTenant } from '../../infra/db/tenant.ts';
import { enqueue } from '../../infra/queue/outbox.ts';
import { slotFreedMessage } from './waitlist-events.ts';

const BATCH = 200;

/**
 * Expired public holds (a visitor who never confirmed) free their slots:
 * each is deleted in its hospital's transaction together with the
 * `waitlist.offer_slot` task for its time, so the waitlist hears of it once.
 * The delete is conditional (still held, still expired): a writer that swept
 * the hold first (expired holds never block, src/modules/holds) wins, and its
 * booking took the time anyway. Offer holds are not swept here: their offers
 * expire them (expireOffers), which passes the slot on.
 */
export async function expireDueHolds(db: Db, now: Date): Promise<number> {
  const at = now.toISOString();
  const due = await rawRows<{ id: string; hospital_id: string }>(
    db,
    sql`select a.id, a.hospital_id from appointments a
          join appointment_holds h on h.appointment_id = a.id
         where a.status = 'held' and a.hold_expires_at <= ${at}::timestamptz and h.kind = 'public'
         order by a.hold_expires_at limit ${BATCH}`,
  );
  let freed = 0;
  for (const hold of due) {
    freed += await withTenant(db, hold.hospital_id, async (scope) => {
      const [gone] = await rawRows<{ doctor_id: string; visit_type_id: string | null; starts_at: Date; ends_at: Date }>(
        scope.tx,
        sql`delete from appointments
             where hospital_id = ${scope.hospitalId}::uuid and id = ${hold.id}::uuid and status = 'held' and hold_expires_at <= ${at}::timestamptz
            returning doctor_id, visit_type_id, starts_at, ends_at`,
      );
      if (!gone) return 0;
      await enqueue(scope.tx, slotFreedMessage(scope.hospitalId, { doctorId: gone.doctor_id, visitTypeId: gone.visit_type_id, start: gone.starts_at, end: gone.ends_at }));
      return 1;
    });
  }
  return freed;
}
