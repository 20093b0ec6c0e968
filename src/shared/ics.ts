/**
 * iCalendar (RFC 5545) for one appointment, sent as iTIP (RFC 5546) so the
 * patient's calendar follows every change: the confirmation and a reschedule
 * are `METHOD:REQUEST`, a cancellation `METHOD:CANCEL` with
 * `STATUS:CANCELLED`; all three carry the same UID, and each a higher
 * SEQUENCE than the one before (the appointment's version).
 *
 * - Lines end in CRLF and are folded at 75 octets (UTF-8 bytes, never inside
 *   a multi-byte character) with CRLF + one space (section 3.1).
 * - TEXT values escape backslash, semicolon, comma and newlines (3.3.11).
 * - Instants are UTC date-times (`19970714T173000Z`, 3.3.5 form #2), so no
 *   VTIMEZONE is needed and no client has to know the hospital's zone.
 * - iTIP needs an ORGANIZER (the hospital) and an ATTENDEE (the patient) on
 *   REQUEST and CANCEL (RFC 5546 3.2.2, 3.2.5). The patient is not asked to
 *   reply (RSVP=FALSE): the booking is made, the file only keeps the calendar right.
 */
export type IcsMethod = 'REQUEST' | 'CANCEL';

export interface IcsPerson {
  email: string;
  name?: string | null;
}

export interface IcsEvent {
  method: IcsMethod;
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
  sequence: number;
  organizer: IcsPerson;
  attendee: IcsPerson;
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

/** `mailto:` URI of an address (RFC 6068: characters outside the unreserved and `@` are percent-encoded). */
function mailto(email: string): string {
  return `mailto:${email.replace(/[^A-Za-z0-9._~!$&'*+=@-]/g, (c) => encodeURIComponent(c))}`;
}

function person(property: 'ORGANIZER' | 'ATTENDEE', who: IcsPerson, params: string[] = []): string {
  const cn = who.name ? [`CN=${paramValue(who.name)}`] : [];
  return `${property}${[...cn, ...params].map((p) => `;${p}`).join('')}:${mailto(who.email)}`;
}

/** One VEVENT of an email invite or of a feed: the same properties, the people only where there are any. */
interface IcsEntry extends Omit<IcsEvent, 'method' | 'organizer' | 'attendee'> {
  status: 'CONFIRMED' | 'CANCELLED';
  organizer?: IcsPerson;
  attendee?: IcsPerson;
}

function veventLines(event: IcsEntry): string[] {
  if (!(event.end.getTime() > event.start.getTime())) throw new RangeError('buildIcs: end must be after start');
  const domain = event.domain ?? 'tempus';
  const lines = [
    'BEGIN:VEVENT',
    `UID:${icsText(`${event.uid}@${domain}`)}`,
    `DTSTAMP:${icsDateTime(event.stamp ?? new Date())}`,
    `DTSTART:${icsDateTime(event.start)}`,
    `DTEND:${icsDateTime(event.end)}`,
    `SEQUENCE:${Math.max(0, Math.trunc(event.sequence))}`,
    `STATUS:${event.status}`,
    `SUMMARY:${icsText(event.summary)}`,
  ];
  if (event.location) lines.push(`LOCATION:${icsText(event.location)}`);
  if (event.description) lines.push(`DESCRIPTION:${icsText(event.description)}`);
  if (event.organizer) lines.push(person('ORGANIZER', event.organizer));
  if (event.attendee) lines.push(person('ATTENDEE', event.attendee, ['ROLE=REQ-PARTICIPANT', 'PARTSTAT=NEEDS-ACTION', 'RSVP=FALSE']));
  lines.push(`TRANSP:${event.status === 'CANCELLED' ? 'TRANSPARENT' : 'OPAQUE'}`, 'END:VEVENT');
  return lines;
}

function calendarObject(method: string, properties: string[], events: IcsEntry[]): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', `PRODID:${PRODID}`, 'CALSCALE:GREGORIAN', `METHOD:${method}`, ...properties, ...events.flatMap(veventLines), 'END:VCALENDAR'];
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

export function buildIcs(event: IcsEvent): string {
  return calendarObject(event.method, [], [{ ...event, status: event.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED' }]);
}

/** One appointment in a subscribed feed: no people (a feed names no one beyond its summary). */
export type IcsFeedEvent = Omit<IcsEntry, 'status' | 'organizer' | 'attendee'>;

/**
 * A calendar feed (RFC 5545 with `METHOD:PUBLISH`, what calendar apps
 * subscribe to): the same VEVENTs as the invites, so an appointment keeps its
 * UID and SEQUENCE across the emails and the feed; a cancelled one is simply
 * left out and disappears at the next refresh.
 */
export function buildFeed(feed: { name: string; events: IcsFeedEvent[] }): string {
  return calendarObject('PUBLISH', [`X-WR-CALNAME:${icsText(feed.name)}`], feed.events.map((e) => ({ ...e, status: 'CONFIRMED' as const })));
}

/**
 * The email attachment of an event: the MIME type carries the iTIP method
 * too (RFC 6047 section 2.4), which is how mail clients know to offer
 * "add / update / remove" instead of treating it as a plain file.
 */
export function icsAttachment(event: IcsEvent): { filename: string; content: string; contentType: string } {
  return { filename: 'appointment.ics', content: buildIcs(event), contentType: `text/calendar; method=${event.method}; charset=UTF-8` };
}
