import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../src/infra/db/client.ts';
import { withTenant } from '../../src/infra/db/tenant.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { registerHospital } from '../helpers/factories.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('row-level security', () => {
  it('a tenant query that forgets its hospital filter sees only its own hospital', async () => {
    const a = await registerHospital(t);
    const b = await registerHospital(t);
    const db = t.deps.database.db;
    // Deliberately unfiltered queries, as a buggy repository would write them.
    const seen = await withTenant(db, a.id, async ({ tx }) => ({
      hospitals: await rawRows<{ id: string }>(tx, sql`select id from hospitals`),
      members: await rawRows<{ hospital_id: string }>(tx, sql`select hospital_id from hospital_members`),
      subscriptions: await rawRows<{ hospital_id: string }>(tx, sql`select hospital_id from hospital_subscriptions`),
      outbox: await rawRows<{ hospital_id: string }>(tx, sql`select hospital_id from outbox`),
      audit: await rawRows<{ hospital_id: string }>(tx, sql`select hospital_id from audit_events`),
    }));
    expect(seen.hospitals.map((r) => r.id)).toEqual([a.id]);
    for (const rows of [seen.members, seen.subscriptions, seen.outbox, seen.audit]) {
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.hospital_id))).toEqual(new Set([a.id]));
    }
    expect(JSON.stringify(seen)).not.toContain(b.id);
  });

  it('refuses to write a row into another hospital', async () => {
    const a = await registerHospital(t);
    const b = await registerHospital(t);
    await expect(
      withTenant(t.deps.database.db, a.id, ({ tx }) =>
        tx.execute(sql`insert into audit_events (hospital_id, action, entity_type) values (${b.id}, 'x', 'y')`),
      ),
    ).rejects.toThrow();
  });

  it('sees nothing at all when no tenant is set under the application role', async () => {
    await registerHospital(t);
    const rows = await t.deps.database.db.transaction(async (tx) => {
      await tx.execute(sql`set local role tempus_app`);
      return rawRows<{ n: number }>(tx, sql`select count(*)::int as n from hospitals`);
    });
    expect(rows[0]?.n).toBe(0);
  });
});
