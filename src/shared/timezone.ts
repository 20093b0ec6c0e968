const known = new Map<string, string>();
for (const zone of [...Intl.supportedValuesOf('timeZone'), 'UTC']) known.set(zone.toLowerCase(), zone);

/**
 * The IANA name to store for a zone the caller sent, or null if it is not one
 * (offsets and abbreviations are refused). The caller's spelling is kept when
 * the runtime accepts it: Node's list carries some zones only under their old
 * names (Asia/Calcutta for Asia/Kolkata), and users should get back what they sent.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^(UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+)+)$/i.test(name)) return null;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null; // RangeError: not a zone at all
  }
  if (!known.has(resolved.toLowerCase())) return null;
  return known.get(name.toLowerCase()) ?? (name === name.toLowerCase() ? resolved : name);
}
