/**
 * The best of `supported` for an Accept-Language header (RFC 9110 12.5.4):
 * by quality, a tag matching exactly or by its primary subtag (`es-MX` -> `es`),
 * `*` meaning the first supported; else the first supported (English).
 */
export function pickLanguage(header: string | undefined, supported: readonly string[]): string {
  const fallback = supported[0]!;
  if (!header) return fallback;
  const wanted = header
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { tag: tag.trim().toLowerCase(), quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((w) => w.tag && w.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index);
  for (const { tag } of wanted) {
    if (tag === '*') return fallback;
    const match = supported.find((s) => s === tag) ?? supported.find((s) => s === tag.split('-')[0]);
    if (match) return match;
  }
  return fallback;
}
