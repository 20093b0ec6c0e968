import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../infra/db/client.ts';
import { createTestApp, type TestApp } from '../../../test/helpers/app.ts';
import { uniqueEmail } from '../../../test/helpers/factories.ts';
import { DeferError } from '../../infra/queue/errors.ts';
import type { QueueMessage } from '../../infra/queue/message.ts';
import { claimDeliveries, markSentMany, type ClaimRequest } from './deliveries.repo.ts';
import { createDeliveryHandler } from './delivery.ts';

/**
 * The consumers' group-committed claim (claimDeliveries) keeps every rule of
 * the single claim inside one batch: requests to the same recipient count
 * against each other, a line twice in a batch is sent once, a finished line
 * is done, and a missing line is that request's error only. A live worker
 * keeps its claim for as long as its send takes.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const db = () => t.deps.database.db;
const LEASE = 60_000;

function request(to: string, max: number, withLine = true): ClaimRequest {
  const messageId = randomUUID();
  return {
    key: { messageId, channel: 'email' },
    hourlyLimit: { recipient: to, max },
    ...(withLine ? { line: { messageId, channel: 'email', hospitalId: null, recipient: to, template: 'welcome' } } : {}),
  };
}

describe('claimDeliveries', () => {
  it('adds the missing lines and leases them, counting the batch against the hourly limit', async () => {
    const to = uniqueEmail('batch');
    const batch = [request(to, 2), request(to, 2), request(to, 2), request(uniqueEmail('other'), 2)];
    const claims = await claimDeliveries(db(), batch, LEASE);
    expect(claims.map((c) => (c instanceof Error ? 'error' : c.kind))).toEqual(['claimed', 'claimed', 'limited', 'claimed']);
    const limited = claims[2] as { kind: 'limited'; until: Date; recentCount: number };
    expect(limited.recentCount).toBe(2);
    expect(limited.until.getTime()).toBeGreaterThan(Date.now());
    const rows = await rawRows<{ attempts: number; leased: boolean }>(
      db(),
      sql`select attempts, coalesce(claimed_until > now(), false) as leased from notification_deliveries where recipient = ${to} order by attempts desc`,
    );
    expect(rows).toEqual([
      { attempts: 1, leased: true },
      { attempts: 1, leased: true },
      { attempts: 0, leased: false },
    ]);
  });

  it('claims a line named twice in one batch once; the twin is busy until the lease ends', async () => {
    const one = request(uniqueEmail('twin'), 20);
    const [first, twin] = await claimDeliveries(db(), [one, one], LEASE);
    expect(first).toEqual({ kind: 'claimed', attempts: 1 });
    expect(twin).toMatchObject({ kind: 'busy' });
    // A later batch sees the lease too.
    expect((await claimDeliveries(db(), [one], LEASE))[0]).toMatchObject({ kind: 'busy' });
  });

  it('answers done for sent lines and an error for a request without a line, leaving the rest of the batch alone', async () => {
    const sent = request(uniqueEmail('sent'), 20);
    await claimDeliveries(db(), [sent], LEASE);
    await markSentMany(db(), [{ key: sent.key, providerMessageId: '<p@test>' }]);
    const lineless = request(uniqueEmail('none'), 20, false);
    const fresh = request(uniqueEmail('fresh'), 20);
    const [done, missing, claimed] = await claimDeliveries(db(), [sent, lineless, fresh], LEASE);
    expect(done).toEqual({ kind: 'done', status: 'sent' });
    expect(missing).toBeInstanceOf(Error);
    expect((missing as Error).message).toContain('has no line');
    expect(claimed).toEqual({ kind: 'claimed', attempts: 1 });
  });
});

describe('a send slower than the lease', () => {
  it('keeps the line: the lease is renewed while the send is in flight, so a second worker finds it busy and nothing goes twice', async () => {
    const leaseMs = 600;
    const to = uniqueEmail('slow');
    const message: QueueMessage = { id: randomUUID(), hospitalId: null, queue: 'email_notifications', type: 'email', payload: { template: 'welcome', to }, attempt: 1, createdAt: new Date() };
    const sent: string[] = [];
    let release!: () => void;
    const provider = new Promise<void>((resolve) => (release = resolve));
    // Two workers: two handlers over the same database, the same channel and a provider that holds the first send.
    const worker = () =>
      createDeliveryHandler({
        db: db(),
        leaseMs,
        channel: 'email',
        contract: Type.Object({ template: Type.String(), to: Type.String() }),
        render: (job) => job.to,
        async send(_job, rendered) {
          sent.push(rendered);
          if (sent.length === 1) await provider;
          return { providerMessageId: `provider-${sent.length}` };
        },
      });
    const first = worker().handle(message);
    while (sent.length === 0) await new Promise((r) => setTimeout(r, 20));
    // More than three leases pass while the provider holds the first send; without renewal the line would be free again.
    await new Promise((r) => setTimeout(r, leaseMs * 3.5));
    await expect(worker().handle(message)).rejects.toBeInstanceOf(DeferError);
    release();
    await first;
    expect(sent).toEqual([to]);
    const rows = await rawRows<{ status: string; attempts: number; leased: boolean }>(
      db(),
      sql`select status, attempts, claimed_until is not null as leased from notification_deliveries where message_id = ${message.id}::uuid`,
    );
    expect(rows).toEqual([{ status: 'sent', attempts: 1, leased: false }]);
  });
});
