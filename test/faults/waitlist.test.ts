import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../cluster/cluster.ts';
import { setUpHospital, slotAt, type ClusterHospital } from '../cluster/fixtures.ts';
import { call, expectStatus } from '../cluster/http.ts';
import { waitForQuiet } from '../cluster/mail.ts';

/**
 * Waitlist offers against a running cluster (two APIs, two workers, the real
 * PostgreSQL, Redis, RabbitMQ and an SMTP peer; nothing is stopped): three
 * booked slots are cancelled and each goes to its own waiting patient. The
 * SMTP peer holds its replies to the offer emails, so they are mid-send —
 * offered and committed, claimed, not acknowledged — when a worker is
 * SIGKILLed. Asserted: every offer is made once (one pending offer per
 * slot, per entry), and every waiting patient gets exactly one offer email
 * (one Message-ID): the offer and its email job were committed together, the
 * job's id is derived from the offer, and the delivery log is keyed by it.
 */
let cluster: Cluster;
let hospital: ClusterHospital;

beforeAll(async () => {
  cluster = await startCluster({ name: 'waitlist', env: { RATE_LIMIT_MAX: '100000', EMAIL_PER_RECIPIENT_PER_HOUR: '1000' } });
  hospital = await setUpHospital(cluster, { doctors: 1, patients: 6, name: 'Waitlist Clinic' }).catch(async (err) => {
    await cluster.close();
    throw err;
  });
});
afterAll(async () => {
  await cluster?.close();
});

const OFFER_LINK = /\/offers\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/;
const day = (days: number) => slotAt(days, 0).slice(0, 10);

describe('waitlist offers with a worker killed mid-send', () => {
  it('makes each offer once and sends each offer email exactly once', async () => {
    const { token } = hospital;
    const doctorId = hospital.doctorIds[0]!;
    const booked = hospital.patients.slice(0, 3);
    const waiting = hospital.patients.slice(3);
    const appointments: string[] = [];
    for (const [i, p] of booked.entries()) {
      const res = await expectStatus<{ data: { id: string } }>(
        201,
        call(cluster.nextApi(), 'POST', '/v1/appointments', { token, body: { doctorId, patientId: p.id, start: slotAt(5, 9 * 60 + i * 60), durationMinutes: 30 } }),
        'book',
      );
      appointments.push(res.data.id);
    }
    for (const p of waiting) {
      await expectStatus(201, call(cluster.nextApi(), 'POST', '/v1/waitlist', { token, body: { patientId: p.id, doctorId, earliest: day(1), latest: day(10) } }), 'join');
    }

    const waitingAddresses = new Set(waiting.map((p) => p.email.toLowerCase()));
    cluster.smtp.answer((mail) => (mail.to.some((to) => waitingAddresses.has(to.toLowerCase())) ? 'hold' : 'accept'));
    for (const id of appointments) {
      await expectStatus(200, call(cluster.nextApi(), 'POST', `/v1/appointments/${id}/cancel`, { token, body: {} }), 'cancel');
    }
    await cluster.smtp.waitFor((peer) => peer.held() >= 1, 30_000, 'an offer email in flight');
    await cluster.killWorker(0, 'SIGKILL');
    // The dead worker's held sessions are gone; the survivor's time out and are retried. Nothing was accepted before the kill.
    cluster.smtp.answer(() => 'accept');
    await cluster.startWorker(0);

    await cluster.smtp.waitFor((peer) => waiting.every((p) => peer.receivedBy(p.email).some((m) => OFFER_LINK.test(m.text))), 90_000, 'an offer email to every waiting patient');
    await waitForQuiet(cluster, 90_000);

    const offers = await cluster.sql.query<{ entry_id: string; starts_at: Date; status: string }>(
      'select entry_id, starts_at, status from waitlist_offers where hospital_id = $1 order by starts_at',
      [hospital.id],
    );
    expect(offers.rows.map((o) => o.status)).toEqual(['pending', 'pending', 'pending']);
    expect(new Set(offers.rows.map((o) => o.entry_id)).size).toBe(3);
    expect(offers.rows.map((o) => o.starts_at.toISOString())).toEqual([0, 1, 2].map((i) => slotAt(5, 9 * 60 + i * 60)));
    for (const p of waiting) {
      const mails = cluster.smtp.receivedBy(p.email).filter((m) => OFFER_LINK.test(m.text));
      expect(mails, p.email).toHaveLength(1);
    }
    expect(cluster.unexpectedExits()).toEqual([]);
  });
});
