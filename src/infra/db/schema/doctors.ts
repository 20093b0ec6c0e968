import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, pgTable, text, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

/**
 * A hospital's doctors. Never deleted: deactivation keeps the history that
 * appointments and notes point at. `(hospital_id, id)` is unique so that
 * child tables can reference a doctor together with its hospital, which makes
 * a cross-tenant reference impossible at the constraint level.
 */
export const doctors = pgTable(
  'doctors',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    email: text('email').notNull(),
    phone: text('phone'),
    specialization: text('specialization'),
    slotMinutes: integer('slot_minutes').notNull().default(30),
    bufferMinutes: integer('buffer_minutes').notNull().default(0),
    active: boolean('active').notNull().default(true),
    deactivatedAt: instant('deactivated_at'),
    ...timestamps(),
  },
  (t) => [
    unique('doctors_hospital_id_id_key').on(t.hospitalId, t.id),
    // One active doctor per email in a hospital; a deactivated one may be re-hired as a new record.
    uniqueIndex('doctors_hospital_email_active_key').on(t.hospitalId, t.email).where(sql`${t.active}`),
    index('doctors_hospital_name_idx').on(t.hospitalId, t.name, t.id),
    check('doctors_slot_minutes_check', sql`${t.slotMinutes} between 5 and 240`),
    check('doctors_buffer_minutes_check', sql`${t.bufferMinutes} between 0 and 240`),
  ],
);
