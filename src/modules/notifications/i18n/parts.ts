import type { TemplateData } from '../contracts.ts';
import type { Ctx, Facts, Paragraph } from './types.ts';

/** Pieces every language's templates share, in that language's words. */

type AppointmentLike = Pick<TemplateData<'appointment_reminder'>, 'start' | 'visitTypeName' | 'doctorName' | 'location' | 'hospitalName' | 'rooms'>;

const row = (label: string, value: string): [string, string] => [label, value];

/** When / Visit / With / Where / Room of one appointment (or offered slot). */
export function appointmentFacts(d: AppointmentLike, { w, when }: Ctx): Facts {
  return {
    facts: [
      row(w.when, when(d.start)),
      ...(d.visitTypeName ? [row(w.visit, d.visitTypeName)] : []),
      ...(d.doctorName ? [row(w.with, d.doctorName)] : []),
      row(w.where, d.location ?? d.hospitalName),
      ...(d.rooms ? [row(w.room, d.rooms)] : []),
    ],
  };
}

/** Every date of a series, one line each, then who and where. */
export function seriesFacts(d: TemplateData<'series_confirmation'>, { w, when }: Ctx): Facts {
  return {
    facts: [
      ...d.occurrences.map((o, i) => row(w.visitN(i + 1), when(o.start))),
      ...(d.doctorName ? [row(w.with, d.doctorName)] : []),
      row(w.where, d.location ?? d.hospitalName),
    ],
  };
}

export const greeting = (name: string | undefined, { w }: Ctx): Paragraph => [w.hello(name)];

/** "Change or cancel your appointment: <link>", when the job carries a manage link. */
export const manageLink = (url: string | undefined, { w }: Ctx): Paragraph[] => (url ? [[w.manage, { link: url }]] : []);

/** One manage link per series visit that has one. */
export const seriesManageLinks = (d: TemplateData<'series_confirmation'>, { w }: Ctx): Paragraph[] =>
  d.occurrences.flatMap((o, i) => (o.manageUrl ? [[w.manageVisit(i + 1), { link: o.manageUrl }] as Paragraph] : []));

/** The same sentence at the end of an SMS (a space first), or nothing. */
export const smsManage = (url: string | undefined, { w }: Ctx): string => (url ? ` ${w.manage}${url}` : '');

/**
 * A series SMS carries the first visit's link, named as such: a link is about
 * 200 characters (more than one SMS segment by itself), so up to 52 of them
 * would make one message of dozens of segments. The email has every visit's
 * link, and each visit's reminder (SMS too) carries its own.
 */
export const smsSeriesManage = (d: TemplateData<'series_confirmation'>, { w }: Ctx): string => {
  const url = d.occurrences[0]!.manageUrl;
  return url ? ` ${w.manageVisit(1)}${url}` : '';
};

export const calendarNote = (x: Ctx, note: string): Paragraph[] => (x.calendar ? [[note]] : []);

export const reasonLine = (reason: string | undefined, { w }: Ctx): Paragraph[] => (reason ? [[`${w.reason}${reason}`]] : []);

export const purposeWords = (purpose: string | undefined, { w }: Ctx): string =>
  purpose && Object.hasOwn(w.purposes, purpose) ? w.purposes[purpose as keyof typeof w.purposes] : w.otherPurpose;
