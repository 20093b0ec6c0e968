import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { action, addPatient, appointmentTestEnv, bookingFixture, bookOk, daysAheadAt, type BookingFixture } from '../helpers/appointment-factories.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { useMailApp } from '../helpers/mailbox.ts';
import { memoryLog } from '../helpers/log-sink.ts';
import { eventually } from '../helpers/messaging.ts';

/**
 * No personal data in the logs: a realistic day through the API — patients
 * added, searched by name, email and phone, paged, booked (confirmation and a
 * reminder delivered), cancelled, exported, erased, bad requests — with the
 * messaging loops running and the logger at the production level (info) with
 * the production redaction, writing into memory. No line may hold a seeded
 * name, email or phone number, nor a token from a URL.
 */
const { lines, sink } = memoryLog();
const suite = useMailApp({ ...appointmentTestEnv, LOG_LEVEL: 'info' }, { logDestination: sink });
const { t } = suite;

type Auth = { authorization: string };
const get = (auth: Auth, url: string) => t.app.inject({ method: 'GET', url, headers: auth });

describe('logs', () => {
  it('hold no seeded name, email or phone, and no token from a URL, through a realistic flow', async () => {
    const tag = randomBytes(3).toString('hex');
    const people = [
      { name: `Zephyrine Quillfeather${tag}`, email: uniqueEmail('zephyrine'), phone: '+393471234501', notificationChannel: 'email' },
      { name: `Bartholomew Oakenshield${tag}`, email: uniqueEmail('bartholomew'), phone: '+447700900502', notificationChannel: 'sms' },
      { name: `Ondine Marchetti${tag}`, email: uniqueEmail('ondine'), phone: '+14155550503', notificationChannel: 'email' },
    ];
    const f: BookingFixture = await bookingFixture(t, { patient: people[0]!, settings: { reminderOffsetsMinutes: [1] } });
    const ids = [f.patientId, await addPatient(t, f.auth, people[1]!), await addPatient(t, f.auth, people[2]!)];

    // Searches and reads that name them (queries carry the personal data).
    for (const p of people) {
      for (const search of [p.name, p.name.split(' ')[0]!, p.email, p.phone, p.phone.slice(3, 10)]) {
        expect((await get(f.auth, `/v1/patients?search=${encodeURIComponent(search)}&limit=5`)).statusCode).toBe(200);
      }
    }
    const first = (await get(f.auth, '/v1/patients?limit=1')).json();
    expect((await get(f.auth, `/v1/patients?limit=1&cursor=${encodeURIComponent(first.page.nextCursor)}`)).statusCode).toBe(200);
    for (const id of ids) expect((await get(f.auth, `/v1/patients/${id}`)).statusCode).toBe(200);

    // Bookings: a confirmation and, 10 s later, a reminder for the first; a cancellation for the third.
    const soon = new Date(Math.ceil((Date.now() + 70_000) / 1000) * 1000);
    const booked = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: ids[0]!, start: soon.toISOString(), durationMinutes: 15 });
    const later = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: ids[2]!, start: daysAheadAt(2, 10).toISOString(), durationMinutes: 15 });
    expect((await action(t, f.auth, later.id, 'cancel', { reason: `asked by ${people[2]!.name}` })).statusCode).toBe(200);
    const sms = await bookOk(t, f.auth, { doctorId: f.doctorId, patientId: ids[1]!, start: daysAheadAt(3, 10).toISOString(), durationMinutes: 15 });
    expect((await get(f.auth, `/v1/appointments?patientId=${ids[0]}`)).statusCode).toBe(200);
    expect((await get(f.auth, `/v1/appointments/${booked.id}`)).statusCode).toBe(200);
    expect(sms.id).toBeTruthy();

    // Bad input that carries personal data, and a token in a URL.
    expect((await t.app.inject({ method: 'POST', url: '/v1/patients', headers: f.auth, payload: { name: people[0]!.name, email: `${people[0]!.email}@`, phone: people[1]!.phone } })).statusCode).toBe(400);
    expect((await t.app.inject({ method: 'PATCH', url: `/v1/patients/${ids[1]}`, headers: f.auth, payload: { phone: `${people[1]!.phone}x` } })).statusCode).toBe(400);
    const token = randomBytes(32).toString('base64url');
    expect((await get(f.auth, `/v1/calendars/${token}.ics?token=${token}`)).statusCode).toBe(404);

    // Patient rights: access log, export, erasure.
    expect((await get(f.auth, `/v1/patients/${ids[0]}/access-log`)).statusCode).toBe(200);
    expect((await get(f.auth, `/v1/patients/${ids[0]}/export`)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/v1/patients/${ids[2]}/erase`, headers: f.auth, payload: { reason: 'request of the patient' } })).statusCode).toBe(200);

    // The messages really went: confirmation, cancellation, reminder.
    await eventually(() => suite.mailTo(people[0]!.email), (m) => m.some((x) => /reminder/i.test(x.subject)) && m.some((x) => /confirmed/i.test(x.subject)), 'the confirmation and the reminder', 60_000);
    await eventually(() => suite.mailTo(people[2]!.email), (m) => m.some((x) => /cancel/i.test(x.subject)), 'the cancellation');

    // The patient follows the manage link of the confirmation (a credential in the URL): read, look for slots, try to cancel (too late: 422).
    const confirmation = (await suite.mailTo(people[0]!.email)).find((x) => /confirmed/i.test(x.subject))!;
    const manageToken = /\/manage\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(confirmation.text)![1]!;
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/manage/${manageToken}` })).statusCode).toBe(200);
    const day = daysAheadAt(2, 0).toISOString().slice(0, 10);
    expect((await t.app.inject({ method: 'GET', url: `/v1/public/manage/${manageToken}/availability?from=${day}&to=${day}` })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: `/v1/public/manage/${manageToken}/cancel`, payload: {} })).statusCode).toBe(422);
    await t.app.inject({ method: 'GET', url: `/manage/${manageToken}` });
    expect((await t.app.inject({ method: 'POST', url: `/v1/public/offers/${manageToken}/accept`, payload: {} })).statusCode).toBe(404);

    // One access line per request (about forty here) plus the workers' lines: the scan below reads a real run's log.
    expect(lines.filter((l) => l.includes('request completed')).length).toBeGreaterThan(30);
    expect(lines.length).toBeGreaterThan(40);
    expect(lines.every((l) => JSON.parse(l).level !== 'DEBUG')).toBe(true);
    const forbidden = [
      ...people.flatMap((p) => [p.name, ...p.name.split(' '), p.email, p.email.split('@')[0]!, p.phone, p.phone.slice(1)]),
      token,
      manageToken,
      manageToken.split('.')[0]!,
      manageToken.split('.')[1]!,
    ];
    const leaks = lines.flatMap((line) => forbidden.filter((value) => line.includes(value)).map((value) => `${value}: ${line.slice(0, 300)}`));
    expect(leaks).toEqual([]);
    // The redaction was at work, not just silence: the searches and the token URL were logged, redacted.
    expect(lines.some((l) => l.includes('/v1/patients?search=[redacted]&limit=5'))).toBe(true);
    expect(lines.some((l) => l.includes('/v1/calendars/[redacted]?token=[redacted]'))).toBe(true);
    expect(lines.some((l) => l.includes('/v1/public/manage/[redacted]/cancel'))).toBe(true);
    expect(lines.some((l) => l.includes('"/manage/[redacted]"'))).toBe(true);
  }, 120_000);
});
