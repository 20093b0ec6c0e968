import { appointmentFacts, calendarNote, greeting, manageLink, purposeWords, reasonLine, seriesFacts, seriesManageLinks, smsManage, smsSeriesManage } from './parts.ts';
import type { Catalog, Paragraph } from './types.ts';

/** English: every template, the fallback of every other language. */
export const en: Catalog = {
  language: 'en',
  words: {
    footer: 'Sent by Tempus on behalf of your care provider.',
    hello: (name) => (name ? `Hello ${name},` : 'Hello,'),
    when: 'When',
    visit: 'Visit',
    with: 'With',
    where: 'Where',
    room: 'Room',
    visitN: (n) => `Visit ${n}`,
    appointments: (n) => (n === 1 ? '1 appointment' : `${n} appointments`),
    manage: 'Change or cancel your appointment: ',
    manageVisit: (n) => `Change or cancel visit ${n}: `,
    reason: 'Reason: ',
    purposes: {
      'hospital.update': "change your hospital's details",
      'booking.confirm': 'confirm your booking',
    },
    otherPurpose: 'confirm the change',
    calendarSummary: (d) => `${d.visitTypeName ?? 'Appointment'} with ${d.doctorName}`,
    calendarDescription: (d) =>
      `Your ${d.visitTypeName ? `${d.visitTypeName} appointment` : 'appointment'} at ${d.hospitalName} with ${d.doctorName}${d.rooms ? ` (${d.rooms})` : ''}.`,
  },
  email: {
    welcome: (d) => ({
      subject: `Welcome to Tempus, ${d.hospitalName}`,
      heading: `Welcome to Tempus, ${d.hospitalName}!`,
      blocks: [
        ['Your hospital ', { strong: d.hospitalName }, ' is registered and your trial has started.'],
        ...(d.subdomain ? [['Your public page lives at the subdomain ', { strong: d.subdomain }, '.'] as Paragraph] : []),
        ['Next steps: add your doctors and their working hours, then your patients, and start booking appointments.'],
      ],
    }),
    otp: (d, x) => ({
      subject: 'Your Tempus verification code',
      heading: 'Your verification code',
      blocks: [
        [`Use this code to ${purposeWords(d.purpose, x)}${d.hospitalName ? ` (${d.hospitalName})` : ''}:`],
        [{ strong: d.code }],
        [`It expires in ${d.expiresInMinutes ?? 5} minutes and works once. If you did not ask for it, ignore this email.`],
      ],
    }),
    invitation: (d, x) => ({
      subject: `You're invited to join ${d.hospitalName} on Tempus`,
      heading: `Join ${d.hospitalName} on Tempus`,
      blocks: [
        [d.invitedBy ? `${d.invitedBy} invited you` : 'You have been invited', ' to join ', { strong: d.hospitalName }, ' as ', { strong: d.role }, '.'],
        d.acceptUrl ? ['Accept the invitation here: ', { link: d.acceptUrl }] : ['Your invitation code: ', { strong: d.token ?? '' }],
        // In the hospital's zone (named), like every time a hospital's people read.
        ...(d.expiresAt ? [['The invitation expires on ', { strong: x.when(d.expiresAt) }, '.'] as Paragraph] : []),
      ],
    }),
    appointment_confirmation: (d, x) => ({
      subject: `Appointment confirmed: ${x.when(d.start)}`,
      heading: 'Your appointment is confirmed',
      blocks: [
        greeting(d.patientName, x),
        [`Your appointment at ${d.hospitalName} is booked.`],
        appointmentFacts(d, x),
        ...calendarNote(x, 'The attached calendar file adds it to your calendar.'),
        ...manageLink(d.manageUrl, x),
        ['If you cannot come, please let us know.'],
      ],
    }),
    appointment_reminder: (d, x) => ({
      subject: `Reminder: appointment on ${x.when(d.start)}`,
      heading: 'Appointment reminder',
      blocks: [greeting(d.patientName, x), [`This is a reminder of your appointment at ${d.hospitalName}.`], appointmentFacts(d, x), ...manageLink(d.manageUrl, x)],
    }),
    appointment_cancelled: (d, x) => ({
      subject: `Appointment cancelled: ${x.when(d.start)}`,
      heading: 'Your appointment was cancelled',
      blocks: [
        greeting(d.patientName, x),
        [`Your appointment at ${d.hospitalName} was cancelled:`],
        appointmentFacts(d, x),
        ...reasonLine(d.cancelReason, x),
        ...calendarNote(x, 'The attached calendar file removes it from your calendar.'),
        ['Contact us to book a new time.'],
      ],
    }),
    appointment_rescheduled: (d, x) => ({
      subject: `Appointment moved to ${x.when(d.start)}`,
      heading: 'Your appointment was moved',
      blocks: [
        greeting(d.patientName, x),
        [`Your appointment at ${d.hospitalName}`, ...(d.previousStart ? [' on ', { strong: x.when(d.previousStart) }] : []), ' has a new time:'],
        appointmentFacts(d, x),
        ...calendarNote(x, 'The attached calendar file moves it in your calendar.'),
        ...manageLink(d.manageUrl, x),
      ],
    }),
    webhook_disabled: (d, x) => ({
      subject: `Webhook endpoint disabled: ${d.url}`,
      heading: 'A webhook endpoint was disabled',
      blocks: [
        ['Every delivery to the webhook endpoint of ', { strong: d.hospitalName }, ' at ', { strong: d.url }, ' has failed since ', { strong: x.when(d.failingSince) }, '.'],
        ['Tempus disabled it and sends it nothing more. Fix the receiver, then enable the endpoint again (PATCH /v1/webhooks/', d.endpointId, ' with active: true); failed deliveries can be retried from its delivery log.'],
      ],
    }),
    series_confirmation: (d, x) => ({
      subject: `${x.w.appointments(d.occurrences.length)} confirmed from ${x.when(d.occurrences[0]!.start)}`,
      heading: 'Your appointments are confirmed',
      blocks: [
        greeting(d.patientName, x),
        [`Your ${x.w.appointments(d.occurrences.length)} at ${d.hospitalName} are booked:`],
        seriesFacts(d, x),
        ...seriesManageLinks(d, x),
        ['You will get a reminder before each visit. If you cannot come to one, please let us know.'],
      ],
    }),
    series_cancelled: (d, x) => ({
      subject: `${x.w.appointments(d.occurrences.length)} cancelled from ${x.when(d.occurrences[0]!.start)}`,
      heading: 'Your appointments were cancelled',
      blocks: [
        greeting(d.patientName, x),
        [`These ${x.w.appointments(d.occurrences.length)} at ${d.hospitalName} were cancelled:`],
        seriesFacts(d, x),
        ...reasonLine(d.cancelReason, x),
        ['Contact us to book new times.'],
      ],
    }),
    waitlist_offer: (d, x) => ({
      subject: `An earlier time is free: ${x.when(d.start)}`,
      heading: 'An earlier appointment is free',
      blocks: [
        greeting(d.patientName, x),
        [`An earlier time is free at ${d.hospitalName}:`],
        appointmentFacts(d, x),
        ['Accept or decline it here: ', { link: d.offerUrl }],
        ['It is held for you until ', { strong: x.when(d.expiresAt) }, '. After that it goes to the next person on the waiting list.'],
      ],
    }),
  },
  sms: {
    welcome: (d) => `Welcome to Tempus, ${d.hospitalName}! Your hospital is registered.`,
    otp: (d) => `Your Tempus code is ${d.code}. It expires in ${d.expiresInMinutes ?? 5} min.`,
    invitation: (d) => `You're invited to join ${d.hospitalName} on Tempus as ${d.role}.${d.acceptUrl ? ` ${d.acceptUrl}` : ''}`,
    appointment_confirmation: (d, x) =>
      `${d.hospitalName}: your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} is confirmed for ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    appointment_reminder: (d, x) =>
      `${d.hospitalName}: reminder of your appointment${d.doctorName ? ` with ${d.doctorName}` : ''} on ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    appointment_cancelled: (d, x) => `${d.hospitalName}: your appointment on ${x.when(d.start)} was cancelled.`,
    appointment_rescheduled: (d, x) => `${d.hospitalName}: your appointment was moved to ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    webhook_disabled: (d) => `${d.hospitalName}: the webhook endpoint ${d.url} kept failing and was disabled.`,
    series_confirmation: (d, x) =>
      `${d.hospitalName}: ${x.w.appointments(d.occurrences.length)}${d.doctorName ? ` with ${d.doctorName}` : ''} confirmed, from ${x.when(d.occurrences[0]!.start)} to ${x.when(d.occurrences.at(-1)!.start)}.${smsSeriesManage(d, x)}`,
    series_cancelled: (d, x) => `${d.hospitalName}: ${x.w.appointments(d.occurrences.length)} from ${x.when(d.occurrences[0]!.start)} cancelled.`,
    waitlist_offer: (d, x) =>
      `${d.hospitalName}: an earlier time is free on ${x.when(d.start)}${d.doctorName ? ` with ${d.doctorName}` : ''}. Accept or decline here: ${d.offerUrl} (held for you until ${x.when(d.expiresAt)}).`,
  },
};
