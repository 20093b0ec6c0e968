import { sql } from 'drizzle-orm';
import { boolean, check, foreignKey, index, pgTable, text, unique, uuid } from 'drizzle-orm/pg-core';
import { appointments } from './appointments.ts';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

/** A resource kind: a lowercase slug (`exam-room`, `mri`). */
export const RESOURCE_KIND_PATTERN = '^[a-z0-9]+(-[a-z0-9]+)*$';

/** Rooms and devices a visit may need. Never deleted (bookings point at them): delete deactivates. */
export const resources = pgTable(
  'resources',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    active: boolean('active').notNull().default(true),
    deactivatedAt: instant('deactivated_at'),
    ...timestamps(),
  },
  (t) => [
    unique('resources_hospital_id_id_key').on(t.hospitalId, t.id),
    // Assignment takes the first free resource of a kind by (name, id).
    index('resources_hospital_kind_name_idx').on(t.hospitalId, t.kind, t.name, t.id),
    check('resources_kind_check', sql`${t.kind} ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(${t.kind}) <= 50`),
  ],
);

/** A resource's absences (maintenance, repairs) as ranges of instants. */
export const resourceTimeOff = pgTable(
  'resource_time_off',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id').notNull(),
    resourceId: uuid('resource_id').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    reason: text('reason'),
    createdBy: uuid('created_by'),
    ...timestamps(),
  },
  (t) => [
    foreignKey({ name: 'resource_time_off_resource_fk', columns: [t.hospitalId, t.resourceId], foreignColumns: [resources.hospitalId, resources.id] }).onDelete(
      'cascade',
    ),
    index('resource_time_off_resource_starts_idx').on(t.hospitalId, t.resourceId, t.startsAt),
    check('resource_time_off_range_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

/**
 * One resource held by one appointment over the blocked interval (the visit
 * plus the visit type's buffers). No two live bookings of a resource overlap:
 * the exclusion constraint resource_bookings_no_overlap (hand-written
 * migration) guarantees it under any concurrency. `live` turns false when the
 * appointment is cancelled, marked no-show or moved (a trigger on
 * appointments does it for the first two).
 */
export const resourceBookings = pgTable(
  'resource_bookings',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id').notNull(),
    appointmentId: uuid('appointment_id')
      .notNull()
      .references(() => appointments.id, { onDelete: 'cascade' }),
    resourceId: uuid('resource_id').notNull(),
    startsAt: instant('starts_at').notNull(),
    endsAt: instant('ends_at').notNull(),
    live: boolean('live').notNull().default(true),
    createdAt: instant('created_at').notNull().defaultNow(),
  },
  (t) => [
    foreignKey({ name: 'resource_bookings_resource_fk', columns: [t.hospitalId, t.resourceId], foreignColumns: [resources.hospitalId, resources.id] }),
    index('resource_bookings_appointment_idx').on(t.appointmentId),
    check('resource_bookings_range_check', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);
