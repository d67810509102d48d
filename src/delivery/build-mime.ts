import { compile } from 'html-to-text';
import type { SendMailOptions } from 'nodemailer';
import type { MailRow, RecipientRow } from '../mail/mail-repository.js';
import { messageIdHeader } from '../mail/send-mail.js';
import { rewriteInlineImages } from '../mail/mail-files.js';
import { fillConsentLinks } from '../compliance/consent-links.js';
import type { ListUnsubscribe } from '../compliance/list-unsubscribe.js';
import { trackHtml, type HtmlTracking } from '../tracking/track-html.js';

/**
 * Builds the message for one delivery attempt. The headers always name every To and Cc
 * recipient; the envelope names only those attempted now. Bcc recipients appear in the envelope
 * only, never in a header. Line endings are normalised (a lone CR never reaches the wire); the
 * transport applies CRLF, dot-stuffing and transfer encoding.
 */
/** html-to-text's options compiled once: compiling them per message cost more than the conversion. */
const htmlToText = compile({ wordwrap: 78, selectors: [{ selector: 'img', format: 'skip' }] });

const normaliseNewlines = (text: string): string => text.replace(/\r\n?/g, '\n');

/** A file the message carries, with its bytes loaded. */
export type LoadedFile = { kind: 'attachment' | 'inline' | 'generated'; fileId: string; name: string; contentType: string; contentId: string | null; bytes: Buffer };

/**
 * `consentUrl`: for a consent email, its consent-form link, put in place of the
 * `${ConsentForm.…}` tokens its stored content keeps (compliance/consent-links.ts).
 * `unsubscribe`: when the org has one-click unsubscribe on, the link (and, with BOUNCE_ADDRESS,
 * the mailto) of compliance/list-unsubscribe.ts, sent as `List-Unsubscribe: <https…>, <mailto:…>`
 * with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 2369 §3.2, RFC 8058 §3.1, §3.2).
 * `tracking`: for an html mail of an org with tracking on, the open pixel and tracked links
 * (tracking/message-tracking.ts), added to the html after the consent links are filled in.
 * `replyTo`: with REPLY_ADDRESS, the tokenised reply address (replies/reply-address.ts `replyToOf`),
 * used only when the mail has no `reply_to` of its own (the user's is always kept).
 */
export function composeMessage(
  mail: MailRow,
  recipients: readonly RecipientRow[],
  domain: string,
  files: readonly LoadedFile[] = [],
  consentUrl: string | null = null,
  unsubscribe: ListUnsubscribe | null = null,
  tracking: HtmlTracking | null = null,
  replyTo: { name: string; address: string } | null = null,
): SendMailOptions {
  const headerList = (kind: RecipientRow['kind']) =>
    recipients.filter((r) => r.kind === kind).map((r) => ({ name: r.name ?? '', address: r.email }));
  const inline = new Map(files.filter((f) => f.kind === 'inline' && f.contentId).map((f) => [f.fileId, f.contentId!]));
  const stored = consentUrl === null ? mail.content : fillConsentLinks(mail.content, consentUrl);
  const html = mail.mail_format === 'html' ? rewriteInlineImages(stored, inline) : null;
  const content = normaliseNewlines(html === null ? stored : tracking === null ? html : trackHtml(html, tracking));
  const references = mail.references_header ? mail.references_header.split(' ') : undefined;
  return {
    from: { name: mail.from_name ?? '', address: mail.from_email },
    to: headerList('to'),
    cc: headerList('cc'),
    ...(mail.reply_to_email ? { replyTo: { name: mail.reply_to_name ?? '', address: mail.reply_to_email } } : replyTo ? { replyTo } : {}),
    subject: mail.subject,
    messageId: messageIdHeader(mail.message_id, domain),
    date: new Date(mail.created_at),
    ...(mail.in_reply_to ? { inReplyTo: mail.in_reply_to } : {}),
    ...(references ? { references } : {}),
    ...(mail.mail_format === 'html'
      ? { html: content, text: htmlToText(content) }
      : { text: content }),
    headers: {
      'X-Mailer': 'Mailroom',
      ...(unsubscribe === null ? {} : { 'List-Unsubscribe': listUnsubscribeHeader(unsubscribe), 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }),
    },
    // Built from our own buffers only: nodemailer never reads a path or URL for us.
    attachments: files.map((f) =>
      f.kind === 'inline'
        ? { filename: f.name, content: f.bytes, contentType: f.contentType, cid: f.contentId!, contentDisposition: 'inline' as const }
        : { filename: f.name, content: f.bytes, contentType: f.contentType },
    ),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function listUnsubscribeHeader(unsubscribe: ListUnsubscribe): string {
  return [unsubscribe.url, unsubscribe.mailto].filter((uri): uri is string => uri !== null).map((uri) => `<${uri}>`).join(', ');
}
