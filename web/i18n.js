// UI strings and dates in the visitor's language; dates and times always in the hospital's zone.
import { messages } from './messages.js';

export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
  { code: 'de', name: 'Deutsch' },
];

let current = messages[document.documentElement.lang] ? document.documentElement.lang : 'en';

export const language = () => current;

export function setLanguage(code) {
  if (!messages[code]) return;
  current = code;
  document.documentElement.lang = code;
  // A reload keeps the choice (the server honours ?lang= for the first paint).
  const url = new URL(location.href);
  url.searchParams.set('lang', code);
  history.replaceState(history.state, '', url);
}

/** The string for `key` with `{name}` placeholders filled; English when this language lacks it. */
export function t(key, vars = {}) {
  const text = messages[current][key] ?? messages.en[key] ?? '';
  return text.replace(/\{(\w+)\}/g, (_m, name) => String(vars[name] ?? ''));
}

const fmt = (options, zone) => new Intl.DateTimeFormat(current, { timeZone: zone, ...options });

/** "Thursday, 3 December" for a local date (YYYY-MM-DD) of the hospital. */
export const formatDay = (isoDate) => fmt({ weekday: 'long', day: 'numeric', month: 'long' }, 'UTC').format(noonOf(isoDate));
export const formatShortDay = (isoDate) => fmt({ weekday: 'short', day: 'numeric', month: 'short' }, 'UTC').format(noonOf(isoDate));
export const formatTime = (instant, zone) => fmt({ timeStyle: 'short' }, zone).format(new Date(instant));
export const formatDateTime = (instant, zone) => fmt({ dateStyle: 'full', timeStyle: 'short' }, zone).format(new Date(instant));

// A local date names a calendar day, not an instant: it is formatted as that day in UTC.
function noonOf(isoDate) {
  return new Date(`${isoDate}T12:00:00Z`);
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDateOf(instant, zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

/** Today's local date (YYYY-MM-DD) in a zone. */
export const todayIn = (zone) => localDateOf(Date.now(), zone);

export function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
