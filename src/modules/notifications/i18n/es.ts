import { appointmentFacts, calendarNote, greeting, manageLink, purposeWords, reasonLine, seriesFacts, seriesManageLinks, smsManage, smsSeriesManage } from './parts.ts';
import type { Translation } from './types.ts';

/** Spanish (usted): every patient-facing template; staff-facing ones are written in English. */
const con = (doctor?: string) => (doctor ? ` con ${doctor}` : '');
/** "confirmada" / "confirmadas": the participle agrees with "cita(s)". */
const agreed = (n: number, word: string) => (n === 1 ? word : `${word}s`);

export const es: Translation = {
  language: 'es',
  words: {
    footer: 'Enviado por Tempus en nombre de su centro médico.',
    hello: (name) => (name ? `Hola, ${name}:` : 'Hola:'),
    when: 'Cuándo',
    visit: 'Consulta',
    with: 'Con',
    where: 'Dónde',
    room: 'Sala',
    visitN: (n) => `Visita ${n}`,
    appointments: (n) => (n === 1 ? '1 cita' : `${n} citas`),
    manage: 'Cambie o cancele su cita: ',
    manageVisit: (n) => `Cambie o cancele la visita ${n}: `,
    reason: 'Motivo: ',
    purposes: {
      'hospital.update': 'cambiar los datos de su hospital',
      'booking.confirm': 'confirmar su reserva',
    },
    otherPurpose: 'confirmar el cambio',
    calendarSummary: (d) => `${d.visitTypeName ?? 'Cita'} con ${d.doctorName}`,
    calendarDescription: (d) => `Su cita${d.visitTypeName ? ` (${d.visitTypeName})` : ''} en ${d.hospitalName} con ${d.doctorName}${d.rooms ? ` (${d.rooms})` : ''}.`,
  },
  email: {
    otp: (d, x) => ({
      subject: 'Su código de verificación de Tempus',
      heading: 'Su código de verificación',
      blocks: [
        [`Use este código para ${purposeWords(d.purpose, x)}${d.hospitalName ? ` (${d.hospitalName})` : ''}:`],
        [{ strong: d.code }],
        [`Caduca en ${d.expiresInMinutes ?? 5} minutos y solo sirve una vez. Si no lo ha solicitado, ignore este correo.`],
      ],
    }),
    appointment_confirmation: (d, x) => ({
      subject: `Cita confirmada: ${x.when(d.start)}`,
      heading: 'Su cita está confirmada',
      blocks: [
        greeting(d.patientName, x),
        [`Su cita en ${d.hospitalName} está reservada.`],
        appointmentFacts(d, x),
        ...calendarNote(x, 'El archivo de calendario adjunto la añade a su calendario.'),
        ...manageLink(d.manageUrl, x),
        ['Si no puede venir, avísenos, por favor.'],
      ],
    }),
    appointment_reminder: (d, x) => ({
      subject: `Recordatorio: cita el ${x.when(d.start)}`,
      heading: 'Recordatorio de cita',
      blocks: [greeting(d.patientName, x), [`Le recordamos su cita en ${d.hospitalName}.`], appointmentFacts(d, x), ...manageLink(d.manageUrl, x)],
    }),
    appointment_cancelled: (d, x) => ({
      subject: `Cita cancelada: ${x.when(d.start)}`,
      heading: 'Su cita ha sido cancelada',
      blocks: [
        greeting(d.patientName, x),
        [`Su cita en ${d.hospitalName} ha sido cancelada:`],
        appointmentFacts(d, x),
        ...reasonLine(d.cancelReason, x),
        ...calendarNote(x, 'El archivo de calendario adjunto la elimina de su calendario.'),
        ['Póngase en contacto con nosotros para reservar una nueva hora.'],
      ],
    }),
    appointment_rescheduled: (d, x) => ({
      subject: `Cita cambiada al ${x.when(d.start)}`,
      heading: 'Su cita ha cambiado de hora',
      blocks: [
        greeting(d.patientName, x),
        [`Su cita en ${d.hospitalName}`, ...(d.previousStart ? [' del ', { strong: x.when(d.previousStart) }] : []), ' tiene una nueva hora:'],
        appointmentFacts(d, x),
        ...calendarNote(x, 'El archivo de calendario adjunto la mueve en su calendario.'),
        ...manageLink(d.manageUrl, x),
      ],
    }),
    series_confirmation: (d, x) => {
      const n = d.occurrences.length;
      return {
        subject: `${x.w.appointments(n)} ${agreed(n, 'confirmada')} desde el ${x.when(d.occurrences[0]!.start)}`,
        heading: n === 1 ? 'Su cita está confirmada' : 'Sus citas están confirmadas',
        blocks: [
          greeting(d.patientName, x),
          [n === 1 ? `Su cita en ${d.hospitalName} está reservada:` : `Sus ${n} citas en ${d.hospitalName} están reservadas:`],
          seriesFacts(d, x),
          ...seriesManageLinks(d, x),
          ['Recibirá un recordatorio antes de cada visita. Si no puede venir a alguna, avísenos, por favor.'],
        ],
      };
    },
    series_cancelled: (d, x) => {
      const n = d.occurrences.length;
      return {
        subject: `${x.w.appointments(n)} ${agreed(n, 'cancelada')} desde el ${x.when(d.occurrences[0]!.start)}`,
        heading: n === 1 ? 'Su cita ha sido cancelada' : 'Sus citas han sido canceladas',
        blocks: [
          greeting(d.patientName, x),
          [n === 1 ? `Esta cita en ${d.hospitalName} ha sido cancelada:` : `Estas ${n} citas en ${d.hospitalName} han sido canceladas:`],
          seriesFacts(d, x),
          ...reasonLine(d.cancelReason, x),
          ['Póngase en contacto con nosotros para reservar nuevas horas.'],
        ],
      };
    },
    waitlist_offer: (d, x) => ({
      subject: `Hay una hora antes libre: ${x.when(d.start)}`,
      heading: 'Hay una cita antes disponible',
      blocks: [
        greeting(d.patientName, x),
        [`Hay una hora antes libre en ${d.hospitalName}:`],
        appointmentFacts(d, x),
        ['Acéptela o recházela aquí: ', { link: d.offerUrl }],
        ['La reservamos para usted hasta el ', { strong: x.when(d.expiresAt) }, '. Después pasa a la siguiente persona de la lista de espera.'],
      ],
    }),
  },
  sms: {
    otp: (d) => `Su código de Tempus es ${d.code}. Caduca en ${d.expiresInMinutes ?? 5} min.`,
    appointment_confirmation: (d, x) => `${d.hospitalName}: su cita${con(d.doctorName)} está confirmada para el ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    appointment_reminder: (d, x) => `${d.hospitalName}: le recordamos su cita${con(d.doctorName)} el ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    appointment_cancelled: (d, x) => `${d.hospitalName}: su cita del ${x.when(d.start)} ha sido cancelada.`,
    appointment_rescheduled: (d, x) => `${d.hospitalName}: su cita se ha cambiado al ${x.when(d.start)}.${smsManage(d.manageUrl, x)}`,
    series_confirmation: (d, x) => {
      const n = d.occurrences.length;
      return `${d.hospitalName}: ${x.w.appointments(n)}${con(d.doctorName)} ${agreed(n, 'confirmada')}, del ${x.when(d.occurrences[0]!.start)} al ${x.when(d.occurrences.at(-1)!.start)}.${smsSeriesManage(d, x)}`;
    },
    series_cancelled: (d, x) => {
      const n = d.occurrences.length;
      return `${d.hospitalName}: ${x.w.appointments(n)} desde el ${x.when(d.occurrences[0]!.start)} ${agreed(n, 'cancelada')}.`;
    },
    waitlist_offer: (d, x) =>
      `${d.hospitalName}: hay una hora antes libre el ${x.when(d.start)}${con(d.doctorName)}. Acéptela o recházela aquí: ${d.offerUrl} (reservada para usted hasta el ${x.when(d.expiresAt)}).`,
  },
};
