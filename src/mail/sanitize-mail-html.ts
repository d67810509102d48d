import sanitizeHtml from 'sanitize-html';

/**
 * A mail's HTML reduced to formatting, with sanitize-html (docs/stack.md §Q6: 2.17.5 is the newest for
 * Node 20): no scripts, style sheets, event handlers, forms, `javascript:` URLs or `url()` in
 * styles. Used wherever mail HTML is shown (the local mailbox, template previews) and on the web
 * UI's HTML bodies before they are handed to send_mail.
 */

/** CSS values without url()/image()/expression() and the like, and without escapes. */
const SAFE_CSS_VALUE = /^(?![\s\S]*(?:url|image|image-set|cross-fade|element|expression|paint|src|attr)\s*\()[-#\w\s%.,'"!+/()*]*$/i;
const STYLE_PROPERTIES = [
  'color', 'background', 'background-color',
  'font', 'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant', 'line-height', 'letter-spacing',
  'text-align', 'text-decoration', 'text-transform', 'text-indent', 'vertical-align', 'white-space',
  'word-break', 'word-wrap', 'overflow-wrap', 'direction',
  'margin', 'margin-top', 'margin-right', 'margin-bottom', 'margin-left',
  'padding', 'padding-top', 'padding-right', 'padding-bottom', 'padding-left',
  'border', 'border-top', 'border-right', 'border-bottom', 'border-left', 'border-color', 'border-style', 'border-width',
  'border-radius', 'border-collapse', 'border-spacing',
  'width', 'min-width', 'max-width', 'height', 'min-height', 'max-height',
  'display', 'list-style-type', 'table-layout', 'float', 'clear',
];

const IMG_SRC = /^(?:https?:|cid:|data:image\/)/i;
const A_HREF = /^(?:https?:|mailto:|tel:|#)/i;

/** Keeps an attribute only when its value passes `pattern` (relative URLs never do). */
const keepUrlIf =
  (pattern: RegExp, attribute: string): sanitizeHtml.Transformer =>
  (tagName, attribs) => {
    const value = attribs[attribute];
    if (value !== undefined && !pattern.test(value.trim())) delete attribs[attribute];
    return { tagName, attribs };
  };

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'del', 'ins', 'strike', 'big', 'tt'],
  allowedAttributes: {
    '*': ['style', 'title', 'dir', 'lang', 'align', 'valign', 'width', 'height', 'bgcolor'],
    a: ['href', 'name'],
    img: ['src', 'alt', 'border'],
    table: ['border', 'cellpadding', 'cellspacing'],
    td: ['colspan', 'rowspan', 'nowrap'],
    th: ['colspan', 'rowspan', 'nowrap', 'scope'],
    col: ['span'],
    colgroup: ['span'],
    font: ['color', 'face', 'size'],
    ol: ['start', 'type', 'reversed'],
    ul: ['type'],
    li: ['value'],
  },
  allowedStyles: { '*': Object.fromEntries(STYLE_PROPERTIES.map((property) => [property, [SAFE_CSS_VALUE]])) },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowProtocolRelative: false,
  transformTags: { img: keepUrlIf(IMG_SRC, 'src'), a: keepUrlIf(A_HREF, 'href') },
  // The text of these is dropped along with the tag (style and title of a full HTML document).
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title'],
  disallowedTagsMode: 'discard',
};

/** A mail's HTML reduced to formatting: no scripts, styles sheets, event handlers, forms or javascript: URLs. */
export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, SANITIZE_OPTIONS);
}

/**
 * The sanitised HTML as a complete document for an `<iframe sandbox="" srcdoc="…">` (the `html`
 * tag escapes it for the attribute).
 */
export function sanitizedHtmlDocument(html: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"></head><body>${sanitizeMailHtml(html)}</body></html>`;
}
