/**
 * Merge fields (docs/zoho-contract.md §6.1): `${Module.Field Label}` tokens replaced by values of the record
 * being mailed and the records around it. Pure: the values are prepared beforehand
 * (`merge-context.ts` loads them), so this file does no I/O and runs no code from templates.
 *
 * Rules (docs/reliability.md b.6 items 59–60):
 * - one pass over the text: a value that itself looks like `${Leads.Email}` stays as it is;
 * - values are looked up only as own properties of the prepared maps, so `${Leads.__proto__}`
 *   or `${Leads.constructor}` can never reach an object's prototype: they render empty;
 * - unknown modules and fields render as an empty string, like Zoho;
 * - `${ConsentForm.<locale>}` is left untouched for the consent feature to render;
 * - `${!Module.field}` (seen in Zoho templates, meaning unpublished) renders empty;
 * - in HTML, values are HTML-escaped; in a subject, line breaks and NUL are removed from values
 *   so a value cannot add a header.
 */
import { escapeHtml } from '../html/template.js';

/** One record's values by field label, already formatted for display; null renders empty. */
export type MergeValues = Readonly<Record<string, string | null>>;

export type MergeContext = Readonly<{
  /**
   * Records reachable from the mailed record, by every name their module answers to (plural
   * label `Sales Orders` and API name `Sales_Orders`). Built by `loadMergeContext`.
   */
  modules: Readonly<Record<string, MergeValues>>;
  /** `${Users.<label>}`: the user sending the mail. */
  user: MergeValues | null;
  /** `${Organization.<label>}`: the sender's org. */
  organization: MergeValues | null;
}>;

export type RenderOptions = Readonly<{
  /** Escape values for HTML (`<`, `>`, `&`, `"`, `'`). */
  html: boolean;
  /** For header text such as a subject: CR, LF, NUL, U+0085, U+2028, U+2029 are removed from values. */
  singleLine?: boolean;
}>;

// `[^{}]*` cannot backtrack into another token, so matching stays linear in the text's length.
const TOKEN = /\$\{([^{}]*)\}/g;
const LINE_BREAKS = /[\r\n\0\u0085\u2028\u2029]/g;
/** Left as written: `${ConsentForm.en_US}` becomes a link when consent mail is sent. */
const CONSENT_PREFIX = 'ConsentForm.';
const KEEP = Symbol('keep token');


/** The value of an own property of `map`: the exact key first, then the key ignoring case. */
function ownLookup<T>(map: Readonly<Record<string, T>>, key: string): T | undefined {
  if (Object.hasOwn(map, key)) return map[key];
  const lower = key.toLowerCase();
  for (const candidate of Object.keys(map)) {
    if (candidate.toLowerCase() === lower) return map[candidate];
  }
  return undefined;
}

function valuesOf(context: MergeContext, moduleName: string): MergeValues | null | undefined {
  const lower = moduleName.toLowerCase();
  if (lower === 'users') return context.user;
  if (lower === 'organization') return context.organization;
  return ownLookup(context.modules, moduleName);
}

/**
 * The value a token's inner text (`Leads.First Name`) stands for. Field labels may contain dots
 * (`No. of Employees`), so each dot is tried as the module/field separator, left to right.
 */
function resolve(inner: string, context: MergeContext, html: boolean): string | typeof KEEP {
  if (inner.startsWith(CONSENT_PREFIX)) return KEEP;
  // Rich-text editors write the spaces of a label as &nbsp;.
  const key = (html ? inner.replace(/&nbsp;|&#160;|&#xa0;/gi, ' ') : inner).replace(/\u00a0/g, ' ').trim();
  if (key.startsWith('!')) return '';
  for (let dot = key.indexOf('.'); dot !== -1; dot = key.indexOf('.', dot + 1)) {
    const values = valuesOf(context, key.slice(0, dot).trim());
    if (values === undefined) continue;
    if (values === null) return '';
    const value = ownLookup(values, key.slice(dot + 1).trim());
    return value === undefined || value === null ? '' : String(value);
  }
  return '';
}

/** Replaces every merge field of `text` in one pass. */
export function renderMergeFields(text: string, context: MergeContext, options: RenderOptions): string {
  // A replacer function: `$&` or `$1` inside a value is inserted literally, never interpreted.
  return text.replace(TOKEN, (token: string, inner: string) => {
    const value = resolve(inner, context, options.html);
    if (value === KEEP) return token;
    const oneLine = options.singleLine ? value.replace(LINE_BREAKS, '') : value;
    return options.html ? escapeHtml(oneLine) : oneLine;
  });
}

export type RenderedTemplate = { subject: string; content: string };

/**
 * A template's subject (plain header text, single line) and content (HTML unless `html: false`,
 * e.g. for a plain-text template) with their merge fields replaced.
 */
export function renderTemplate(
  template: Readonly<{ subject: string; content: string }>,
  context: MergeContext,
  options: Readonly<{ html?: boolean }> = {},
): RenderedTemplate {
  return {
    subject: renderMergeFields(template.subject, context, { html: false, singleLine: true }),
    content: renderMergeFields(template.content, context, { html: options.html ?? true }),
  };
}
