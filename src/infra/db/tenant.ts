import { sql } from 'drizzle-orm';
import type { Db, Tx } from './client.ts';

/**
 * Runs `fn` in a transaction bound to one hospital: the tenant id is set for
 * the row-level security policies and the role drops to tempus_app, which the
 * policies apply to. Repositories still filter by hospital_id themselves; the
 * policies are the second lock, for the query that forgot.
 */
export function withTenant<T>(db: Db, hospitalId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    // One round trip: set_config('role', ..., true) is SET LOCAL ROLE.
    await tx.execute(sql`select set_config('app.hospital_id', ${hospitalId}, true), set_config('role', 'tempus_app', true)`);
    return fn(tx);
  });
}
