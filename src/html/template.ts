/**
 * The one templating rule of every server-rendered page (web UI, local mailbox, consent page):
 * everything interpolated into `html\`…\`` is escaped, for text and for (always double-quoted)
 * attribute values alike. Only another `html\`…\`` result, or a fragment wrapped with `trusted()`
 * by code that built it from escaped parts, goes in as is. Arrays are joined; null, undefined and
 * false render nothing. Pages never concatenate strings with hand-called escapes.
 */
const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML content and for quoted attribute values alike (the one escaper of the code
 * base). Pages use the `html` tag, which calls it; direct calls are for HTML that is not a page
 * (merge-field values inside a mail's HTML content).
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1]!;
  return new SafeHtml(out);
}

/** Marks a string as already safe HTML. Only for fragments built from escaped parts or constants. */
export const trusted = (value: string): SafeHtml => new SafeHtml(value);

/** A URL path from segments, each percent-encoded: `/ui/records/Leads/123`. */
export const pathOf = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join('/')}`;
