import { standalonePage } from '../html/standalone-page.js';
import { html, type SafeHtml } from '../html/template.js';
import { sanitizedHtmlDocument } from '../mail/sanitize-mail-html.js';
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

const page = (title: string, body: SafeHtml): string =>
  standalonePage({
    title,
    css: CSS,
    meta: html`<meta name="referrer" content="no-referrer">`,
    header: html`<header><p><a href="/mailbox">Mailroom local mailbox</a> · <a href="/ui">Web UI</a></p></header>`,
    body,
  });

const none = (label = 'none'): SafeHtml => html`<span class="none">(${label})</span>`;
const textOrNone = (value: string | null | undefined): SafeHtml | string => (value && value.length > 0 ? value : none());
const addressesOrNone = (addresses: readonly string[]): SafeHtml | string => (addresses.length > 0 ? addresses.join(', ') : none());
/** What a list shows for a mail's subject; an empty one (send_mail allows it) reads "(no subject)". */
export const subjectText = (subject: string | null | undefined): string => (subject && subject.trim().length > 0 ? subject : '(no subject)');

/** `2024-05-01T14:03:22+02:00` as a `<time>`: "2024-05-01 14:03:22 +02:00". */
function timeElement(iso: string): SafeHtml {
  const shown = iso.replace('T', ' ').replace(/(Z|[+-]\d\d:\d\d)$/, ' $1');
  return html`<time datetime="${iso}">${shown}</time>`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export function renderMailboxList(list: MailboxPage): string {
  const rows = list.messages.map(
    (m, i) => html`${i > 0 ? '\n' : ''}<tr>
<td>${timeElement(m.created_time)}</td>
<td>${textOrNone(m.envelope_from)}</td>
<td>${addressesOrNone(m.envelope_to)}</td>
<td><a href="/mailbox/${encodeURIComponent(m.id)}">${subjectText(m.subject)}</a></td>
</tr>`,
  );
  const table =
    list.messages.length === 0
      ? list.page === 1
        ? html`<p>No messages yet. Mail sent while no <code>SMTP_URL</code> is configured is kept here.</p>`
        : html`<p>No messages on this page.</p>`
      : html`<table>
<caption>Messages kept in the local mailbox, newest first (page ${list.page})</caption>
<thead><tr><th scope="col">Time</th><th scope="col">From (envelope)</th><th scope="col">To (envelope)</th><th scope="col">Subject</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
  const pager = [
    list.page > 1 ? html`<a href="/mailbox?page=${list.page - 1}" rel="prev">Newer messages (page ${list.page - 1})</a>` : '',
    list.moreRecords ? html`<a href="/mailbox?page=${list.page + 1}" rel="next">Older messages (page ${list.page + 1})</a>` : '',
  ];
  const nav = list.page > 1 || list.moreRecords ? html`\n<nav class="pager" aria-label="Pages">${pager}</nav>` : '';
  return page(list.page > 1 ? `Mailbox, page ${list.page} – Mailroom` : 'Mailbox – Mailroom', html`<h1>Local mailbox</h1>\n${table}${nav}`);
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

function attachmentItem(messageId: string, attachment: MailboxAttachment): SafeHtml {
  const name = attachment.filename ?? `attachment-${attachment.index}`;
  const href = `/mailbox/${encodeURIComponent(messageId)}/attachments/${attachment.index}`;
  return html`<li><a href="${href}" download>Download ${name}</a> <span class="none">(${attachment.content_type}, ${formatSize(attachment.size)})</span></li>`;
}

export function renderMailboxMessage(message: MailboxMessage): string {
  const id = encodeURIComponent(message.id);
  const subject = subjectText(message.headers.subject ?? message.subject);
  const headerRows = HEADER_ROWS.map(([key, label], i) => html`${i > 0 ? '\n' : ''}<tr><th scope="row">${label}</th><td>${textOrNone(message.headers[key])}</td></tr>`);
  const htmlPart =
    message.html !== null
      ? html`\n<h2>HTML part</h2>
<p class="none">Shown sanitised, in a sandbox without scripts; remote images are not loaded.</p>
<iframe sandbox="" referrerpolicy="no-referrer" title="HTML part of the message" srcdoc="${sanitizedHtmlDocument(message.html)}"></iframe>`
      : '';
  const textPart = message.text !== null && message.text.length > 0 ? html`<pre>${message.text}</pre>` : html`<p>${none('no text part')}</p>`;
  const attachments =
    message.attachments.length > 0
      ? html`<ul>\n${message.attachments.map((a, i) => html`${i > 0 ? '\n' : ''}${attachmentItem(message.id, a)}`)}\n</ul>`
      : html`<p>${none('no attachments')}</p>`;
  return page(
    `${subject} – Mailbox – Mailroom`,
    html`<p><a href="/mailbox">Back to the message list</a></p>
<h1>${subject}</h1>
<table class="fields">
<caption>Headers</caption>
<tbody>
${headerRows}
</tbody>
</table>
<h2>Envelope</h2>
<table class="fields">
<caption>How the message was handed to the local mailbox</caption>
<tbody>
<tr><th scope="row">Envelope from</th><td>${textOrNone(message.envelope_from)}</td></tr>
<tr><th scope="row">Envelope to</th><td>${addressesOrNone(message.envelope_to)}</td></tr>
<tr><th scope="row">Kept at</th><td>${timeElement(message.created_time)}</td></tr>
</tbody>
</table>${htmlPart}
<h2>Text part</h2>
${textPart}
<h2>Attachments</h2>
${attachments}
<h2>Raw message</h2>
<p><a href="/mailbox/${id}/raw" download>Download the raw message (message-${message.id}.eml)</a></p>`,
  );
}

export type ErrorPage = { status: number; title: string; text: string };

export function renderErrorPage(error: ErrorPage): string {
  return page(`${error.title} – Mailbox – Mailroom`, html`<h1>${error.title}</h1>\n<p>${error.text}</p>`);
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
