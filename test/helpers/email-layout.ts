import { DomUtils, parseDocument } from 'htmlparser2';

/** Elements a mail client lays out on lines of their own (table rows included: clients keep them apart). */
const BLOCKS = new Set(['p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table', 'ul', 'ol', 'body']);

type Element = ReturnType<typeof DomUtils.findAll>[number];

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The lines a person sees in an HTML email, read from its DOM (htmlparser2):
 * the text of every innermost block element, a table row's cells joined by a
 * space. Text that runs together in one paragraph stays one line here too.
 */
export function visibleLines(html: string): string[] {
  const doc = parseDocument(html);
  const blocks = DomUtils.findAll((e) => BLOCKS.has(e.name), doc.children);
  const innermost = blocks.filter((b) => !DomUtils.findOne((e) => BLOCKS.has(e.name), b.children, true));
  return innermost
    .map((b: Element) =>
      b.name === 'tr'
        ? b.children.filter((c): c is Element => c.type === 'tag').map((cell) => collapse(DomUtils.textContent(cell))).join(' ')
        : collapse(DomUtils.textContent(b)),
    )
    .filter(Boolean);
}
