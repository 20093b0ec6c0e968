import { describe, expect, it } from 'vitest';
import { parseInvite } from '../../test/helpers/ical.ts';
import { buildIcs, foldLine, icsAttachment, icsDateTime, icsText, type IcsEvent } from './ics.ts';

const event: IcsEvent = {
  method: 'REQUEST',
  uid: '0b7f2a4e-8c1d-4f5e-9a6b-3c2d1e0f9a8b',
  start: new Date('2027-03-15T08:00:00.000Z'),
  end: new Date('2027-03-15T08:30:00.000Z'),
  stamp: new Date('2027-03-01T12:34:56.789Z'),
  sequence: 1,
  summary: 'Appointment with Dr. Müller',
  location: 'Charité; Campus Mitte, Berlin',
  organizer: { email: 'front-desk@charite.example', name: 'Charité: Campus Mitte' },
  attendee: { email: 'ada+tempus@example.org', name: 'Ada Lovelace' },
};

describe('ics (RFC 5545, iTIP RFC 5546)', () => {
  it('writes one VEVENT with UID, DTSTAMP, DTSTART/DTEND in UTC, SUMMARY and LOCATION, CRLF throughout', () => {
    const ics = buildIcs({ ...event, sequence: 2 });
    const lines = ics.split('\r\n');
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toEqual(
      expect.arrayContaining([
        'VERSION:2.0',
        'PRODID:-//Tempus//Appointments//EN',
        'METHOD:REQUEST',
        'BEGIN:VEVENT',
        `UID:${event.uid}@tempus`,
        'DTSTAMP:20270301T123456Z',
        'DTSTART:20270315T080000Z',
        'DTEND:20270315T083000Z',
        'SEQUENCE:2',
        'STATUS:CONFIRMED',
        'SUMMARY:Appointment with Dr. Müller',
        'LOCATION:Charité\\; Campus Mitte\\, Berlin',
        'END:VEVENT',
        'END:VCALENDAR',
      ]),
    );
    expect(lines.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(1);
  });

  it('is a REQUEST with the hospital as ORGANIZER and the patient as ATTENDEE, as ical.js reads it', () => {
    const parsed = parseInvite(buildIcs(event));
    expect(parsed).toMatchObject({
      method: 'REQUEST',
      events: 1,
      uid: `${event.uid}@tempus`,
      sequence: 1,
      status: 'CONFIRMED',
      start: '2027-03-15T08:00:00.000Z',
      end: '2027-03-15T08:30:00.000Z',
      summary: 'Appointment with Dr. Müller',
      location: 'Charité; Campus Mitte, Berlin',
      organizer: { uri: 'mailto:front-desk@charite.example', cn: 'Charité: Campus Mitte' },
      attendees: [{ uri: 'mailto:ada+tempus@example.org', cn: 'Ada Lovelace', role: 'REQ-PARTICIPANT', partstat: 'NEEDS-ACTION', rsvp: 'FALSE' }],
    });
  });

  it('cancels with METHOD:CANCEL and STATUS:CANCELLED, the same UID and the sequence given', () => {
    const parsed = parseInvite(buildIcs({ ...event, method: 'CANCEL', sequence: 3 }));
    expect(parsed).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', uid: `${event.uid}@tempus`, sequence: 3 });
    expect(parsed.attendees).toHaveLength(1);
  });

  it('names the method in the attachment content type (RFC 6047)', () => {
    expect(icsAttachment(event)).toMatchObject({ filename: 'appointment.ics', contentType: 'text/calendar; method=REQUEST; charset=UTF-8' });
    expect(icsAttachment({ ...event, method: 'CANCEL' }).contentType).toBe('text/calendar; method=CANCEL; charset=UTF-8');
  });

  it('escapes TEXT values', () => {
    expect(icsText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('formats instants as UTC date-times', () => {
    expect(icsDateTime(new Date('2026-12-31T23:59:59.999Z'))).toBe('20261231T235959Z');
    expect(() => icsDateTime(new Date('nope'))).toThrow(RangeError);
  });

  it('folds lines at 75 octets without splitting a multi-byte character', () => {
    const long = `SUMMARY:${'é'.repeat(100)}`;
    const folded = foldLine(long);
    const physical = folded.split('\r\n');
    expect(physical.length).toBeGreaterThan(1);
    for (const [i, line] of physical.entries()) {
      expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(line.startsWith(' ')).toBe(true);
      expect(line).not.toContain('\uFFFD');
    }
    // Unfolding (remove CRLF + one space) restores the original line, and ical.js reads it whole.
    expect(folded.replace(/\r\n /g, '')).toBe(long);
    expect(foldLine('SHORT:x')).toBe('SHORT:x');
    expect(parseInvite(buildIcs({ ...event, summary: 'é'.repeat(100), attendee: { email: 'a@b.example', name: 'Ñ'.repeat(60) } }))).toMatchObject({
      summary: 'é'.repeat(100),
      attendees: [{ cn: 'Ñ'.repeat(60) }],
    });
  });

  it('refuses an event that ends before it starts', () => {
    expect(() => buildIcs({ ...event, end: event.start })).toThrow(RangeError);
  });
});
