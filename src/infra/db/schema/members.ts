import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { idColumn, instant, timestamps } from './columns.ts';
import { hospitals } from './hospitals.ts';

export const memberRoles = ['owner', 'admin', 'staff', 'doctor'] as const;
export type MemberRole = (typeof memberRoles)[number];

/** A user belongs to at most one hospital: the unique index on user_id says so. */
export const hospitalMembers = pgTable(
  'hospital_members',
  {
    id: idColumn(),
    hospitalId: uuid('hospital_id')
      .notNull()
      .references(() => hospitals.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').notNull(),
    email: text('email').notNull(),
    role: text('role', { enum: memberRoles }).notNull(),
    doctorId: uuid('doctor_id'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('hospital_members_user_id_key').on(t.userId),
    index('hospital_members_hospital_id_idx').on(t.hospitalId),
  ],
);

export const platformAdmins = pgTable('platform_admins', {
  userId: uuid('user_id').primaryKey(),
  createdAt: instant('created_at').notNull().defaultNow(),
});
