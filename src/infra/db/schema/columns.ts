import { sql } from 'drizzle-orm';
import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Columns every resource carries: id, createdAt, updatedAt (SPEC section 2). */
export const idColumn = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
export const timestamps = () => ({
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
