const zones = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);

/** The canonical IANA name of a zone, or null if it is not one (offsets and abbreviations are refused). */
export function canonicalTimeZone(name: string): string | null {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    if (zones.has(resolved) || zones.has(name)) return zones.has(name) ? name : resolved;
  } catch {
    // RangeError: not a zone at all
  }
  return null;
}
