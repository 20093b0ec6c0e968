import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

/** Whole-hospital closures (holidays, building works): no slot and no booking inside one, for any doctor or resource. */
export const hospitalClosures = pgTable(
  'hospital_closures',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    reason: text('reason').notNull(),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    index('hospital_closures_hospital_starts_idx').on(t.hospitalId, t.startsAt),
    check('hospital_closures_range_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);
