/**
 * The canonical spelling of a BCP 47 tag (`ES-mx` -> `es-MX`, `de_AT` -> `de-AT`),
 * or null if it is not one. Stored tags are canonical, and the message catalog
 * reads any tag through here too.
 */
export function canonicalLanguageTag(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.replace(/_/g, '-'));
    return canonical ?? null;
  } catch {
    return null; // RangeError: not a well-formed tag
  }
}
