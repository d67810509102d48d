/**
 * The web UI's one templating rule: everything interpolated into `html\`…\`` is escaped, for text
 * and for (always double-quoted) attribute values alike. Only another `html\`…\`` result, or a
 * fragment wrapped with `trusted()` by code that built it from escaped parts, goes in as is.
 * Arrays are joined; null, undefined and false render nothing.
 */
import { escapeHtml } from '../html-escape.js';

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

/** Marks a string as already safe HTML. Only for fragments built from escaped parts (e.g. a srcdoc). */
export const trusted = (value: string): SafeHtml => new SafeHtml(value);

/** A URL path from segments, each percent-encoded: `/ui/records/Leads/123`. */
export const pathOf = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join('/')}`;
