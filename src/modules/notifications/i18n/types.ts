import type { OtpPurpose } from '../../otp/otp.service.ts';
import type { EmailTemplate, TemplateData } from '../contracts.ts';

/** A paragraph is a list of text pieces; `{ strong }` is bold in HTML, `{ link }` a link. */
export type Piece = string | { strong: string } | { link: string };
export type Paragraph = Piece[];
/** Label/value lines (When / With / Where): one line each in text, one table row each in HTML. */
export type Facts = { facts: [label: string, value: string][] };
export type Block = Paragraph | Facts;

export interface Content {
  subject: string;
  heading: string;
  blocks: Block[];
}

/** Words several templates of a language share (labels, greeting, footer). */
export interface Words {
  footer: string;
  hello: (name?: string) => string;
  when: string;
  visit: string;
  with: string;
  where: string;
  room: string;
  /** "Visit 2": a series' dates, one per line. */
  visitN: (n: number) => string;
  /** "1 appointment" / "3 appointments". */
  appointments: (n: number) => string;
  /** The sentence before a manage link, e.g. "Change or cancel your appointment: ". */
  manage: string;
  /** The same for one visit of a series. */
  manageVisit: (n: number) => string;
  reason: string;
  /** What a one-time code lets the reader do, in words (the purpose travels as a machine code). */
  purposes: Record<OtpPurpose, string>;
  otherPurpose: string;
  /** The calendar file's SUMMARY and DESCRIPTION (the patient's calendar shows them). */
  calendarSummary: (d: CalendarFacts) => string;
  calendarDescription: (d: CalendarFacts) => string;
}

export interface CalendarFacts {
  visitTypeName: string | null;
  doctorName: string;
  hospitalName: string;
  /** Rooms and devices held, comma-separated. */
  rooms: string | null;
}

/** What a template is given besides its data: the words and date format of its language. */
export interface Ctx {
  w: Words;
  /** An instant in the reader's language and the hospital's zone, the zone named. */
  when: (iso: string) => string;
  /** Whether the email carries a calendar file (appointment emails do in the patient's email channel). */
  calendar: boolean;
}

export type EmailBuilders = { [T in EmailTemplate]: (data: TemplateData<T>, x: Ctx) => Content };
export type SmsBuilders = { [T in EmailTemplate]: (data: TemplateData<T>, x: Ctx) => string };

/** The catalog languages; a reader's tag is matched to one by its primary subtag. */
export type CatalogLanguage = 'en' | 'es' | 'de';

/** English is complete: a template or word missing here is a type error. */
export interface Catalog {
  language: 'en';
  words: Words;
  email: EmailBuilders;
  sms: SmsBuilders;
}

/** Other languages may leave out templates (staff-facing ones) or words: those are written in English. */
export interface Translation {
  language: Exclude<CatalogLanguage, 'en'>;
  words: Partial<Words>;
  email: Partial<EmailBuilders>;
  sms: Partial<SmsBuilders>;
}
