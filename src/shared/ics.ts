/**
 * iCalendar (RFC 5545) for one appointment: a VCALENDAR with one VEVENT,
 * attached to confirmation emails so the patient's calendar picks it up.
 *
 * - Lines end in CRLF and are folded at 75 octets (UTF-8 bytes, never inside
 *   a multi-byte character) with CRLF + one space (section 3.1).
 * - TEXT values escape backslash, semicolon, comma and newlines (3.3.11).
 * - Instants are UTC date-times (`19970714T173000Z`, 3.3.5 form #2), so no
 *   VTIMEZONE is needed and no client has to know the hospital's zone.
 * - UID is the appointment id: a rescheduled appointment keeps it and a higher
 *   SEQUENCE, so calendars update the event instead of adding a second one.
 */
export interface IcsEvent {
  /** The appointment id; made globally unique with `domain`. */
  uid: string;
  domain?: string;
  start: Date;
  end: Date;
  /** When the object was created (DTSTAMP); defaults to now. */
  stamp?: Date;
  summary: string;
  /** The hospital (name and address). */
  location?: string | null;
  description?: string | null;
  /** Revision: the appointment's version, so later copies supersede earlier ones. */
  sequence?: number;
  status?: 'CONFIRMED' | 'CANCELLED';
  /** Optional ORGANIZER (mailto) and its display name. */
  organizer?: { email: string; name?: string } | null;
}

const PRODID = '-//Tempus//Appointments//EN';

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function icsDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('icsDateTime: invalid date');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Escapes a TEXT value (RFC 5545 3.3.11). */
export function icsText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/** Parameter values with ':' ';' ',' must be quoted; DQUOTE itself is not allowed (RFC 5545 3.1). */
function paramValue(value: string): string {
  const clean = value.replace(/["\r\n]/g, '');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/**
 * Folds one content line to at most 75 octets per physical line. Cuts fall
 * on character boundaries: a continuation line starts with one space, which
 * counts towards its 75 octets.
 */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= 75) return line;
  const parts: string[] = [];
  let current = '';
  let currentBytes = 0;
  let limit = 75;
  for (const ch of line) {
    const bytes = Buffer.byteLength(ch, 'utf8');
    if (currentBytes + bytes > limit) {
      parts.push(current);
      current = '';
      currentBytes = 0;
      limit = 74; // the leading space of a continuation line is one of its 75 octets
    }
    current += ch;
    currentBytes += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

export function buildIcs(event: IcsEvent): string {
  if (!(event.end.getTime() > event.start.getTime())) throw new RangeError('buildIcs: end must be after start');
  const domain = event.domain ?? 'tempus';
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    'BEGIN:VEVENT',
    `UID:${icsText(`${event.uid}@${domain}`)}`,
    `DTSTAMP:${icsDateTime(event.stamp ?? new Date())}`,
    `DTSTART:${icsDateTime(event.start)}`,
    `DTEND:${icsDateTime(event.end)}`,
    `SEQUENCE:${Math.max(0, Math.trunc(event.sequence ?? 0))}`,
    `STATUS:${event.status ?? 'CONFIRMED'}`,
    `SUMMARY:${icsText(event.summary)}`,
  ];
  if (event.location) lines.push(`LOCATION:${icsText(event.location)}`);
  if (event.description) lines.push(`DESCRIPTION:${icsText(event.description)}`);
  if (event.organizer) {
    const cn = event.organizer.name ? `;CN=${paramValue(event.organizer.name)}` : '';
    lines.push(`ORGANIZER${cn}:mailto:${event.organizer.email}`);
  }
  lines.push('TRANSP:OPAQUE', 'END:VEVENT', 'END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}
