import { appointmentFacts, calendarNote, greeting, manageLink, purposeWords, reasonLine, seriesFacts, seriesManageLinks, smsManage, smsSeriesManage } from './parts.ts';
import type { Translation } from './types.ts';

/** German (Sie): every patient-facing template; staff-facing ones are written in English. */
const bei = (doctor?: string) => (doctor ? ` bei ${doctor}` : '');

export const de: Translation = {
  language: 'de',
  words: {
    footer: 'Von Tempus im Auftrag Ihrer Praxis versendet.',
    hello: (name) => (name ? `Hallo ${name},` : 'Guten Tag,'),
    when: 'Wann',
    visit: 'Behandlung',
    with: 'Bei',
    where: 'Wo',
    room: 'Raum',
    visitN: (n) => `Termin ${n}`,
    appointments: (n) => (n === 1 ? '1 Termin' : `${n} Termine`),
    manage: 'Termin ändern oder absagen: ',
    manageVisit: (n) => `Termin ${n} ändern oder absagen: `,
    reason: 'Grund: ',
    purposes: {
      'hospital.update': 'die Daten Ihrer Klinik ändern',
      'booking.confirm': 'Ihre Buchung bestätigen',
    },
    otherPurpose: 'die Änderung bestätigen',
    calendarSummary: (d) => `${d.visitTypeName ?? 'Termin'} bei ${d.doctorName}`,
    calendarDescription: (d) => `Ihr Termin${d.visitTypeName ? ` (${d.visitTypeName})` : ''} bei ${d.doctorName}, ${d.hospitalName}${d.rooms ? ` (${d.rooms})` : ''}.`,
  },
  email: {
    otp: (d, x) => ({
      subject: 'Ihr Tempus-Bestätigungscode',
      heading: 'Ihr Bestätigungscode',
      blocks: [
        [`Mit diesem Code können Sie ${purposeWords(d.purpose, x)}${d.hospitalName ? ` (${d.hospitalName})` : ''}:`],
        [{ strong: d.code }],
        [`Er läuft in ${d.expiresInMinutes ?? 5} Minuten ab und gilt nur einmal. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.`],
      ],
    }),
    appointment_confirmation: (d, x) => ({
      subject: `Termin bestätigt: ${x.when(d.start)}`,
      heading: 'Ihr Termin ist bestätigt',
      blocks: [
        greeting(d.patientName, x),
        [`Ihr Termin bei ${d.hospitalName} ist gebucht.`],
        appointmentFacts(d, x),
        ...calendarNote(x, 'Mit der angehängten Kalenderdatei tragen Sie ihn in Ihren Kalender ein.'),
        ...manageLink(d.manageUrl, x),
        ['Wenn Sie nicht kommen können, geben Sie uns bitte Bescheid.'],
      ],
    }),
    appointment_reminder: (d, x) => ({
      subject: `Erinnerung: Termin am ${x.when(d.start)}`,
      heading: 'Terminerinnerung',
      blocks: [greeting(d.patientName, x), [`Wir erinnern Sie an Ihren Termin bei ${d.hospitalName}.`], appointmentFacts(d, x), ...manageLink(d.manageUrl, x)],
    }),
    appointment_cancelled: (d, x) => ({
      subject: `Termin abgesagt: ${x.when(d.start)}`,
      heading: 'Ihr Termin wurde abgesagt',
      blocks: [
        greeting(d.patientName, x),
        [`Ihr Termin bei ${d.hospitalName} wurde abgesagt:`],
        appointmentFacts(d, x),
        ...reasonLine(d.cancelReason, x),
        ...calendarNote(x, 'Die angehängte Kalenderdatei entfernt ihn aus Ihrem Kalender.'),
        ['Melden Sie sich bei uns, um einen neuen Termin zu vereinbaren.'],
      ],
    }),
    appointment_rescheduled: (d, x) => ({
      subject: `Termin verschoben auf ${x.when(d.start)}`,
      heading: 'Ihr Termin wurde verschoben',
      blocks: [
        greeting(d.patientName, x),
        [`Ihr Termin bei ${d.hospitalName}`, ...(d.previousStart ? [' am ', { strong: x.when(d.previousStart) }] : []), ' hat eine neue Zeit:'],
        appointmentFacts(d, x),
        ...calendarNote(x, 'Die angehängte Kalenderdatei verschiebt ihn in Ihrem Kalender.'),
        ...manageLink(d.manageUrl, x),
      ],
    }),
    series_confirmation: (d, x) => {
      const n = d.occurrences.length;
      return {
        subject: `${x.w.appointments(n)} bestätigt ab ${x.when(d.occurrences[0]!.start)}`,
        heading: n === 1 ? 'Ihr Termin ist bestätigt' : 'Ihre Termine sind bestätigt',
        blocks: [
          greeting(d.patientName, x),
          [n === 1 ? `Ihr Termin bei ${d.hospitalName} ist gebucht:` : `Ihre ${n} Termine bei ${d.hospitalName} sind gebucht:`],
          seriesFacts(d, x),
          ...seriesManageLinks(d, x),
          ['Vor jedem Termin erhalten Sie eine Erinnerung. Wenn Sie zu einem nicht kommen können, geben Sie uns bitte Bescheid.'],
        ],
      };
    },
    series_cancelled: (d, x) => {
      const n = d.occurrences.length;
      return {
        subject: `${x.w.appointments(n)} ab ${x.when(d.occurrences[0]!.start)} abgesagt`,
        heading: n === 1 ? 'Ihr Termin wurde abgesagt' : 'Ihre Termine wurden abgesagt',
        blocks: [
          greeting(d.patientName, x),
          [n === 1 ? `Dieser Termin bei ${d.hospitalName} wurde abgesagt:` : `Diese ${n} Termine bei ${d.hospitalName} wurden abgesagt:`],
          seriesFacts(d, x),
          ...reasonLine(d.cancelReason, x),
          ['Melden Sie sich bei uns, um neue Termine zu vereinbaren.'],
        ],
      };
    },
    waitlist_offer: (d, x) => ({
      subject: `Früherer Termin frei: ${x.when(d.start)}`,
      heading: 'Ein früherer Termin ist frei',
      blocks: [
        greeting(d.patientName, x),
        [`Bei ${d.hospitalName} ist ein früherer Termin frei geworden:`],
        appointmentFacts(d, x),
        ['Hier nehmen Sie ihn an oder lehnen ihn ab: ', { link: d.offerUrl }],
        ['Wir halten ihn für Sie bis ', { strong: x.when(d.expiresAt) }, ' frei. Danach geht er an die nächste Person auf der Warteliste.'],
      ],
    }),
  },
  sms: {
    otp: (d) => `Ihr Tempus-Code lautet ${d.code}. Er läuft in ${d.expiresInMinutes ?? 5} Min. ab.`,
    appointment_confirmation: (d, x) => `${d.hospitalName}: Ihr Termin${bei(d.doctorName)} am ${x.when(d.start)} ist bestätigt.${smsManage(d.manageUrl, x)}`,
    appointment_reminder: (d, x) => `${d.hospitalName}: Erinnerung an Ihren Termin${bei(d.doctorName)} am ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    appointment_cancelled: (d, x) => `${d.hospitalName}: Ihr Termin am ${x.when(d.start)} wurde abgesagt.`,
    appointment_rescheduled: (d, x) => `${d.hospitalName}: Ihr Termin wurde auf ${x.when(d.start)} verschoben.${smsManage(d.manageUrl, x)}`,
    series_confirmation: (d, x) =>
      `${d.hospitalName}: ${x.w.appointments(d.occurrences.length)}${bei(d.doctorName)} bestätigt, vom ${x.when(d.occurrences[0]!.start)} bis ${x.when(d.occurrences.at(-1)!.start)}.${smsSeriesManage(d, x)}`,
    series_cancelled: (d, x) => `${d.hospitalName}: ${x.w.appointments(d.occurrences.length)} ab ${x.when(d.occurrences[0]!.start)} abgesagt.`,
    waitlist_offer: (d, x) =>
      `${d.hospitalName}: Ein früherer Termin ist frei, am ${x.when(d.start)}${bei(d.doctorName)}. Annehmen oder ablehnen: ${d.offerUrl} (für Sie frei bis ${x.when(d.expiresAt)}).`,
  },
};
