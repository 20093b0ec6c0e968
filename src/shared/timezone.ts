const known = new Map<string, string>();
for (const zone of [...Intl.supportedValuesOf('timeZone'), 'UTC']) known.set(zone.toLowerCase(), zone);

/**
 * The IANA name to store for a zone the caller sent, or null if it is not one.
 *
 * Every name the runtime's tz database resolves is a zone, including those
 * Intl.supportedValuesOf leaves out of its list (the fixed-offset `Etc/GMT+5`,
 * links such as `US/Eastern`). Refused: offsets (`+02:00`), and one-word names
 * other than UTC and GMT: ICU reads those as abbreviations (`PST`, `EST`) of
 * zones the caller did not name. The caller's spelling is kept when it is a real name
 * (Node lists some zones only under their old names, Asia/Calcutta for
 * Asia/Kolkata, and users should get back what they sent); an all-lowercase
 * spelling is given its canonical case.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^(UTC|GMT|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/i.test(name)) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null; // RangeError: not a zone at all
  }
  const listed = known.get(name.toLowerCase());
  if (listed) return listed;
  if (resolved.toLowerCase() === name.toLowerCase()) return resolved;
  return name === name.toLowerCase() ? resolved : name;
}
