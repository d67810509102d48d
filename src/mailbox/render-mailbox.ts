import sanitizeHtml from 'sanitize-html';
import { escapeHtml } from '../html-escape.js';
import { standalonePage } from '../html-page.js';
import type { MailboxAttachment, MailboxHeaders, MailboxMessage, MailboxPage } from './read-mailbox.js';

/**
 * The local mailbox's HTML: plain pages, no JavaScript at all, a little inline CSS. Everything
 * that comes from mail data is escaped; a message's HTML part is sanitised and then shown only
 * inside `<iframe sandbox="" srcdoc="…">` (no scripts, no same-origin, no forms, no popups), under
 * the strict CSP below, which the srcdoc document inherits.
 */
export const MAILBOX_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers of every /mailbox HTML page (error pages included). */
export const MAILBOX_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': MAILBOX_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'private, no-store',
};

export const MAILBOX_REALM = 'Mailroom mailbox';


// ---------------------------------------------------------------------------------------------
// Sanitising a mail's HTML part.

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

// ---------------------------------------------------------------------------------------------
// Pages.

const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
header{background:#f2f2f2;border-bottom:1px solid #ccc;padding:.5rem 1.5rem}
header p{margin:0;font-weight:600}
main{max-width:75rem;margin:0 auto;padding:1rem 1.5rem 3rem}
h1{font-size:1.5rem;margin:.75rem 0 1rem;overflow-wrap:anywhere}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
a{color:#0645ad}
a:focus-visible{outline:3px solid #e07000;outline-offset:2px}
table{border-collapse:collapse;width:100%}
caption{text-align:left;font-weight:600;padding:.25rem 0 .5rem}
th,td{text-align:left;vertical-align:top;padding:.4rem .6rem;border-bottom:1px solid #d0d0d0;overflow-wrap:anywhere}
thead th{border-bottom:2px solid #777}
.fields th{width:10rem;font-weight:600}
.none{color:#595959;font-style:italic}
time{white-space:nowrap}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f7f7f7;border:1px solid #d0d0d0;padding:1rem;margin:0}
iframe{display:block;width:100%;height:70vh;border:1px solid #777;background:#fff}
.pager{display:flex;gap:1.5rem;align-items:center;margin-top:1rem}
`;

const page = (title: string, body: string): string =>
  standalonePage({
    title,
    css: CSS,
    meta: '<meta name="referrer" content="no-referrer">',
    header: '<header><p><a href="/mailbox">Mailroom local mailbox</a> · <a href="/ui">Web UI</a></p></header>',
    body,
  });

const none = (label = 'none') => `<span class="none">(${label})</span>`;
const textOrNone = (value: string | null | undefined) => (value && value.length > 0 ? escapeHtml(value) : none());
/** What a list shows for a mail's subject; an empty one (send_mail allows it) reads "(no subject)". */
export const subjectText = (subject: string | null | undefined): string => (subject && subject.trim().length > 0 ? subject : '(no subject)');

/** `2024-05-01T14:03:22+02:00` as a `<time>`: "2024-05-01 14:03:22 +02:00". */
function timeElement(iso: string): string {
  const shown = iso.replace('T', ' ').replace(/(Z|[+-]\d\d:\d\d)$/, ' $1');
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(shown)}</time>`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function renderMailboxList(list: MailboxPage): string {
  const rows = list.messages
    .map(
      (m) => `<tr>
<td>${timeElement(m.created_time)}</td>
<td>${textOrNone(m.envelope_from)}</td>
<td>${m.envelope_to.length > 0 ? m.envelope_to.map(escapeHtml).join(', ') : none()}</td>
<td><a href="/mailbox/${encodeURIComponent(m.id)}">${escapeHtml(subjectText(m.subject))}</a></td>
</tr>`,
    )
    .join('\n');
  const table =
    list.messages.length === 0
      ? list.page === 1
        ? '<p>No messages yet. Mail sent while no <code>SMTP_URL</code> is configured is kept here.</p>'
        : '<p>No messages on this page.</p>'
      : `<table>
<caption>Messages kept in the local mailbox, newest first (page ${list.page})</caption>
<thead><tr><th scope="col">Time</th><th scope="col">From (envelope)</th><th scope="col">To (envelope)</th><th scope="col">Subject</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  const pager: string[] = [];
  if (list.page > 1) pager.push(`<a href="/mailbox?page=${list.page - 1}" rel="prev">Newer messages (page ${list.page - 1})</a>`);
  if (list.moreRecords) pager.push(`<a href="/mailbox?page=${list.page + 1}" rel="next">Older messages (page ${list.page + 1})</a>`);
  const nav = pager.length > 0 ? `\n<nav class="pager" aria-label="Pages">${pager.join('')}</nav>` : '';
  return page(list.page > 1 ? `Mailbox, page ${list.page} – Mailroom` : 'Mailbox – Mailroom', `<h1>Local mailbox</h1>\n${table}${nav}`);
}

const HEADER_ROWS: readonly [keyof MailboxHeaders, string][] = [
  ['from', 'From'],
  ['to', 'To'],
  ['cc', 'Cc'],
  ['reply_to', 'Reply-To'],
  ['subject', 'Subject'],
  ['date', 'Date'],
  ['message_id', 'Message-ID'],
  ['in_reply_to', 'In-Reply-To'],
  ['references', 'References'],
];

/** The sanitised HTML part as a complete document, escaped for a double-quoted srcdoc attribute. */
export function htmlPartSrcdoc(html: string): string {
  return escapeHtml(`<!doctype html><html><head><meta charset="utf-8"></head><body>${sanitizeMailHtml(html)}</body></html>`);
}

function attachmentItem(messageId: string, attachment: MailboxAttachment): string {
  const name = attachment.filename ?? `attachment-${attachment.index}`;
  const href = `/mailbox/${encodeURIComponent(messageId)}/attachments/${attachment.index}`;
  return `<li><a href="${href}" download>Download ${escapeHtml(name)}</a> <span class="none">(${escapeHtml(attachment.content_type)}, ${formatSize(attachment.size)})</span></li>`;
}

export function renderMailboxMessage(message: MailboxMessage): string {
  const id = encodeURIComponent(message.id);
  const subject = subjectText(message.headers.subject ?? message.subject);
  const headerRows = HEADER_ROWS.map(([key, label]) => `<tr><th scope="row">${label}</th><td>${textOrNone(message.headers[key])}</td></tr>`).join('\n');
  const sections: string[] = [
    `<p><a href="/mailbox">Back to the message list</a></p>`,
    `<h1>${escapeHtml(subject)}</h1>`,
    `<table class="fields">
<caption>Headers</caption>
<tbody>
${headerRows}
</tbody>
</table>`,
    `<h2>Envelope</h2>
<table class="fields">
<caption>How the message was handed to the local mailbox</caption>
<tbody>
<tr><th scope="row">Envelope from</th><td>${textOrNone(message.envelope_from)}</td></tr>
<tr><th scope="row">Envelope to</th><td>${message.envelope_to.length > 0 ? message.envelope_to.map(escapeHtml).join(', ') : none()}</td></tr>
<tr><th scope="row">Kept at</th><td>${timeElement(message.created_time)}</td></tr>
</tbody>
</table>`,
  ];
  if (message.html !== null) {
    sections.push(`<h2>HTML part</h2>
<p class="none">Shown sanitised, in a sandbox without scripts; remote images are not loaded.</p>
<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part of the message" srcdoc="${htmlPartSrcdoc(message.html)}"></iframe>`);
  }
  sections.push(`<h2>Text part</h2>\n${message.text !== null && message.text.length > 0 ? `<pre>${escapeHtml(message.text)}</pre>` : `<p>${none('no text part')}</p>`}`);
  sections.push(
    `<h2>Attachments</h2>\n${
      message.attachments.length > 0
        ? `<ul>\n${message.attachments.map((a) => attachmentItem(message.id, a)).join('\n')}\n</ul>`
        : `<p>${none('no attachments')}</p>`
    }`,
  );
  sections.push(`<h2>Raw message</h2>\n<p><a href="/mailbox/${id}/raw" download>Download the raw message (message-${escapeHtml(message.id)}.eml)</a></p>`);
  return page(`${subject} – Mailbox – Mailroom`, sections.join('\n'));
}

export type ErrorPage = { status: number; title: string; text: string };

export function renderErrorPage(error: ErrorPage): string {
  return page(`${error.title} – Mailbox – Mailroom`, `<h1>${escapeHtml(error.title)}</h1>\n<p>${escapeHtml(error.text)}</p>`);
}

// ---------------------------------------------------------------------------------------------
// Downloads.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A file name safe to offer: no path, no control characters, at most 200 characters. */
export function safeFilename(name: string | null, fallback: string): string {
  const base = (name ?? '').replace(LONE_SURROGATE, '\uFFFD').split(/[/\\]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim().slice(0, 200);
  return cleaned.length > 0 && cleaned !== '.' && cleaned !== '..' ? cleaned : fallback;
}

/** `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266 / RFC 5987). */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
