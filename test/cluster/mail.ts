import type { Cluster } from './cluster.ts';
import type { ReceivedMail } from '../helpers/smtp-peer.ts';

/**
 * What the SMTP peer received, against what the database says must have been
 * sent: one welcome email per registered hospital, one confirmation per
 * appointment (recognised by the UID of its .ics), one OTP email per issued
 * code. Duplicates are counted both per SMTP Message-ID (a resend of one
 * outbox message) and per logical message (the same thing enqueued twice).
 */
export interface Expected {
  /** Hospital email addresses (one welcome each). */
  welcome: string[];
  /** Appointment ids (one confirmation each). */
  confirmations: string[];
  /** Hospital email -> number of OTP emails expected. */
  otp?: Map<string, number>;
}

export interface MailCheck {
  expectedTotal: number;
  received: number;
  missing: string[];
  /** Logical messages that arrived more than once, with their copies. */
  duplicated: { key: string; copies: ReceivedMail[] }[];
  /** Arrived but expected by nobody. */
  unexpected: ReceivedMail[];
}

const UID = /UID:([0-9a-f-]{36})@tempus/i;

function keyOf(mail: ReceivedMail): string {
  const to = mail.to.join(',');
  if (mail.subject.startsWith('Welcome to Tempus')) return `welcome:${to}`;
  if (mail.subject.startsWith('Your Tempus verification code')) return `otp:${to}`;
  if (mail.subject.startsWith('Appointment confirmed')) {
    const ics = mail.attachments.find((a) => a.filename.endsWith('.ics'));
    const uid = ics ? UID.exec(ics.content)?.[1] : undefined;
    return `confirmation:${uid ?? `?${mail.messageId}`}`;
  }
  return `other:${mail.subject}:${to}`;
}

/** Everything expected, as `key -> copies expected`. */
function expectedKeys(expected: Expected): Map<string, number> {
  const keys = new Map<string, number>();
  for (const e of expected.welcome) keys.set(`welcome:${e.toLowerCase()}`, 1);
  for (const id of expected.confirmations) keys.set(`confirmation:${id}`, 1);
  for (const [e, n] of expected.otp ?? []) keys.set(`otp:${e.toLowerCase()}`, n);
  return keys;
}

export function checkMail(received: ReceivedMail[], expected: Expected): MailCheck {
  const want = expectedKeys(expected);
  const got = new Map<string, ReceivedMail[]>();
  for (const m of received) {
    const k = keyOf(m);
    got.set(k, [...(got.get(k) ?? []), m]);
  }
  const missing: string[] = [];
  const duplicated: MailCheck['duplicated'] = [];
  for (const [k, n] of want) {
    const copies = got.get(k) ?? [];
    if (copies.length < n) missing.push(k);
    // OTP: n codes to one address are n different messages; a duplicate is a repeated Message-ID.
    const ids = new Set(copies.map((c) => c.messageId));
    if (copies.length > n || ids.size < copies.length) duplicated.push({ key: k, copies });
  }
  const unexpected = [...got.entries()].filter(([k]) => !want.has(k)).flatMap(([, v]) => v);
  return {
    expectedTotal: [...want.values()].reduce((a, b) => a + b, 0),
    received: received.length,
    missing,
    duplicated,
    unexpected,
  };
}

/** True once every expected message has arrived at least once. */
export const allArrived = (received: ReceivedMail[], expected: Expected) => checkMail(received, expected).missing.length === 0;

/** Appointments and hospitals as the run's database has them (including bookings whose 201 never reached the client). */
export async function expectedFromDatabase(cluster: Cluster, otp?: Map<string, number>): Promise<Expected> {
  const appointments = await cluster.sql.query<{ id: string }>('select id from appointments');
  const hospitals = await cluster.sql.query<{ email: string }>('select email from hospitals');
  return { welcome: hospitals.rows.map((r) => r.email), confirmations: appointments.rows.map((r) => r.id), ...(otp ? { otp } : {}) };
}

/**
 * Waits until nothing more can be sent: no outbox message waiting except
 * reminders (due days later), no delivery line still queued/failed (a resend
 * in waiting), and every RabbitMQ queue of the run empty.
 */
export async function waitForQuiet(cluster: Cluster, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const { rows } = await cluster.sql
      .query<{ pending: number; open: number }>(
        `select (select count(*)::int from outbox where published_at is null and type <> 'appointment.reminder') as pending,
                (select count(*)::int from notification_deliveries where status not in ('sent', 'dead', 'skipped')) as open`,
      )
      .catch(() => ({ rows: [{ pending: -1, open: -1 }] }));
    const depths = await cluster.queueDepths().catch(() => null);
    const queued = depths ? Object.values(depths).reduce((a, b) => a + b, 0) : -1;
    const state = rows[0]!;
    last = `outbox pending ${state.pending}, open deliveries ${state.open}, queued in RabbitMQ ${queued}`;
    if (state.pending === 0 && state.open === 0 && queued === 0) return;
    if (Date.now() > deadline) throw new Error(`not quiet after ${timeoutMs} ms: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
