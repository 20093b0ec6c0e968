import ICAL from 'ical.js';

/** One iTIP calendar object as Mozilla's ical.js reads it (the peer's parser, not ours). */
export interface ParsedInvite {
  method: string | null;
  events: number;
  uid: string;
  sequence: number;
  status: string | null;
  start: string;
  end: string;
  summary: string;
  location: string | null;
  organizer: { uri: string; cn: string | null };
  attendees: { uri: string; cn: string | null; role: string | null; partstat: string | null; rsvp: string | null }[];
}

const param = (prop: ICAL.Property, name: string) => {
  const value = prop.getParameter(name);
  return typeof value === 'string' ? value : null;
};

export function parseInvite(ics: string): ParsedInvite {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const vevents = calendar.getAllSubcomponents('vevent');
  const vevent = vevents[0];
  if (!vevent) throw new Error('no VEVENT');
  const event = new ICAL.Event(vevent);
  const organizer = vevent.getFirstProperty('organizer');
  if (!organizer) throw new Error('no ORGANIZER');
  return {
    method: (calendar.getFirstPropertyValue('method') as string | null) ?? null,
    events: vevents.length,
    uid: event.uid,
    sequence: event.sequence,
    status: (vevent.getFirstPropertyValue('status') as string | null) ?? null,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    summary: event.summary,
    location: event.location ?? null,
    organizer: { uri: String(organizer.getFirstValue()), cn: param(organizer, 'cn') },
    attendees: event.attendees.map((a) => ({
      uri: String(a.getFirstValue()),
      cn: param(a, 'cn'),
      role: param(a, 'role'),
      partstat: param(a, 'partstat'),
      rsvp: param(a, 'rsvp'),
    })),
  };
}

export interface ParsedFeedEvent {
  uid: string;
  sequence: number;
  status: string | null;
  start: string;
  end: string;
  summary: string;
  attendees: number;
}

/** A subscribed calendar feed as ical.js reads it: its method, name and every VEVENT. */
export function parseFeed(ics: string): { method: string | null; name: string | null; events: ParsedFeedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  return {
    method: (calendar.getFirstPropertyValue('method') as string | null) ?? null,
    name: (calendar.getFirstPropertyValue('x-wr-calname') as string | null) ?? null,
    events: calendar.getAllSubcomponents('vevent').map((vevent) => {
      const event = new ICAL.Event(vevent);
      return {
        uid: event.uid,
        sequence: event.sequence,
        status: (vevent.getFirstPropertyValue('status') as string | null) ?? null,
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
        summary: event.summary,
        attendees: event.attendees.length,
      };
    }),
  };
}
