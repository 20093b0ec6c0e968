import { canonicalLanguageTag } from '../../../shared/language.ts';
import type { EmailTemplate } from '../contracts.ts';
import { de } from './de.ts';
import { en } from './en.ts';
import { es } from './es.ts';
import type { CalendarFacts, CatalogLanguage, Ctx, EmailBuilders, SmsBuilders, Translation } from './types.ts';

export type { CatalogLanguage, Content, Block, Facts, Paragraph, Piece } from './types.ts';

const translations: Record<Exclude<CatalogLanguage, 'en'>, Translation> = { es, de };
export const catalogLanguages: readonly CatalogLanguage[] = ['en', ...(Object.keys(translations) as CatalogLanguage[])];

export interface ResolvedLanguage {
  /** The catalog the words come from: 'es-MX' reads the Spanish one. */
  catalog: CatalogLanguage;
  /** The locale dates are written in: the reader's own tag when its catalog is used ('es-MX' keeps "a.m."). */
  locale: string;
}

/** A BCP 47 tag to a catalog and a date locale; missing, malformed or unknown tags are English. */
export function resolveLanguage(tag?: string | null): ResolvedLanguage {
  const english: ResolvedLanguage = { catalog: 'en', locale: 'en' };
  if (!tag) return english;
  const canonical = canonicalLanguageTag(tag);
  if (!canonical) return english;
  const primary = canonical.split('-')[0]!.toLowerCase();
  if (!(catalogLanguages as readonly string[]).includes(primary)) return english;
  return { catalog: primary as CatalogLanguage, locale: Intl.DateTimeFormat.supportedLocalesOf(canonical).length ? canonical : primary };
}

/**
 * "Monday, March 9, 2026 at 9:00 AM (Europe/Berlin)", "lunes, 9 de marzo de 2026, 9:00 (Europe/Berlin)":
 * formatting only, in the hospital's zone (named) and the reader's language. An unknown zone is UTC,
 * an unknown language English.
 */
export function formatInstant(iso: string, timezone = 'UTC', language?: string): string {
  const { locale } = resolveLanguage(language);
  const date = new Date(iso);
  const format = (timeZone: string) => new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'full', timeStyle: 'short' }).format(date);
  let formatted: string;
  try {
    formatted = format(timezone);
  } catch {
    timezone = 'UTC';
    formatted = format('UTC');
  }
  return `${formatted} (${timezone})`;
}

interface Lookup<B> {
  build: B;
  ctx: Omit<Ctx, 'calendar'>;
  /** The language the message is actually written in (the HTML `lang`). */
  lang: CatalogLanguage;
}

/**
 * The builder of one template in the reader's language, with its words and date format. A template
 * the language lacks is written wholly in English (words and dates alike, `lang="en"`), a word it
 * lacks falls back to the English word: never to a key name.
 */
function lookup<K extends 'email' | 'sms', T extends EmailTemplate>(
  kind: K,
  template: T,
  language: string | undefined,
  timezone: string | undefined,
): Lookup<(K extends 'email' ? EmailBuilders : SmsBuilders)[T]> {
  type B = (K extends 'email' ? EmailBuilders : SmsBuilders)[T];
  const resolved = resolveLanguage(language);
  const translation = resolved.catalog === 'en' ? undefined : translations[resolved.catalog];
  const own = translation?.[kind][template] as B | undefined;
  if (!translation || !own) {
    return { build: en[kind][template] as B, ctx: { w: en.words, when: (iso) => formatInstant(iso, timezone, 'en') }, lang: 'en' };
  }
  return {
    build: own,
    ctx: { w: { ...en.words, ...translation.words }, when: (iso) => formatInstant(iso, timezone, resolved.locale) },
    lang: resolved.catalog,
  };
}

export const emailFor = <T extends EmailTemplate>(template: T, language?: string, timezone?: string) => lookup('email', template, language, timezone);
export const smsFor = <T extends EmailTemplate>(template: T, language?: string, timezone?: string) => lookup('sms', template, language, timezone);
/** The words of an appointment's calendar file (SUMMARY, DESCRIPTION) in the reader's language; unknown languages are English. */
export function calendarText(language: string | undefined, facts: CalendarFacts): { summary: string; description: string } {
  const { catalog } = resolveLanguage(language);
  const w = catalog === 'en' ? en.words : { ...en.words, ...translations[catalog].words };
  return { summary: w.calendarSummary(facts), description: w.calendarDescription(facts) };
}

/** The footer of an email, in the language it is written in. */
export const footerFor = (lang: CatalogLanguage): string => (lang === 'en' ? en.words.footer : (translations[lang].words.footer ?? en.words.footer));
