import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { sanitizeMailHtml } from '../mail/sanitize-mail-html.js';

/**
 * What a reply says, read from the raw message with mailparser: who wrote it, to whom, its
 * threading headers, its content — HTML sanitised with the rules of outgoing mail HTML
 * (mail/sanitize-mail-html.ts: no scripts, handlers, forms, javascript: URLs) and both bodies
 * capped — its attachments (metadata only; the bytes stay in the stored raw message) and whether it
 * is an automatic reply (RFC 3834 and the common non-standard headers).
 */

/** Stored caps: HTML (before sanitising, and after), text, subject. */
export const MAX_REPLY_HTML = 256 * 1024;
export const MAX_REPLY_TEXT = 64 * 1024;
const MAX_SUBJECT = 998;
const MAX_NAME = 256;
const MAX_ATTACHMENTS = 50;

export type ReplyAttachment = Readonly<{ index: number; name: string; size: number; contentType: string }>;

export type ParsedReply = Readonly<{
  fromEmail: string | null;
  fromName: string | null;
  to: readonly { email: string; name: string | null }[];
  subject: string;
  html: string | null;
  text: string | null;
  messageId: string | null;
  inReplyTo: readonly string[];
  references: readonly string[];
  autoReply: boolean;
  attachments: readonly ReplyAttachment[];
}>;

export async function parseReply(raw: Buffer): Promise<ParsedReply> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const from = addresses(parsed.from)[0];
  const html = typeof parsed.html === 'string' ? sanitizeMailHtml(parsed.html.slice(0, MAX_REPLY_HTML)).slice(0, MAX_REPLY_HTML) : null;
  return {
    fromEmail: from?.email ?? null,
    fromName: from?.name ?? null,
    to: addresses(parsed.to),
    subject: (parsed.subject ?? '').slice(0, MAX_SUBJECT),
    html: html === '' ? null : html,
    text: parsed.text === undefined ? null : parsed.text.slice(0, MAX_REPLY_TEXT),
    messageId: parsed.messageId ?? null,
    inReplyTo: messageIds(parsed.inReplyTo),
    references: messageIds(parsed.references),
    autoReply: isAutoReply(parsed),
    attachments: parsed.attachments.slice(0, MAX_ATTACHMENTS).map((a, index) => ({
      index,
      name: (a.filename ?? `attachment-${index + 1}`).slice(0, MAX_NAME),
      size: a.size ?? a.content.length,
      contentType: a.contentType,
    })),
  };
}

/** The bytes of attachment `index` of a stored reply (numbered in message order from 0, as `parseReply` lists them). */
export async function replyAttachment(raw: Buffer, index: number): Promise<{ name: string; contentType: string; content: Buffer } | null> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  const attachment = index < MAX_ATTACHMENTS ? parsed.attachments[index] : undefined;
  if (!attachment) return null;
  return { name: (attachment.filename ?? `attachment-${index + 1}`).slice(0, MAX_NAME), contentType: attachment.contentType, content: attachment.content };
}

function addresses(value: AddressObject | AddressObject[] | undefined): { email: string; name: string | null }[] {
  if (value === undefined) return [];
  const out: { email: string; name: string | null }[] = [];
  const walk = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push({ email: a.address.toLowerCase().slice(0, 320), name: a.name ? a.name.slice(0, MAX_NAME) : null });
    }
  };
  for (const object of [value].flat()) walk(object.value);
  return out;
}

/** `<id@domain>` tokens of an In-Reply-To or References header, in order. */
function messageIds(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return [value].flat().flatMap((v) => v.match(/<[^<>\s]+>/g) ?? []).slice(0, 100);
}

/**
 * RFC 3834 §5: `Auto-Submitted` with any value but `no`; and the common non-standard marks:
 * `X-Autoreply`, `X-Autorespond` (any value), `Precedence: auto_reply | bulk | junk`.
 */
export function isAutoReply(parsed: Pick<ParsedMail, 'headerLines'>): boolean {
  for (const { key, line } of parsed.headerLines) {
    const value = line.slice(line.indexOf(':') + 1).replace(/\s+/g, ' ').trim().toLowerCase();
    const token = value.split(/[;\s(]/)[0] ?? '';
    if (key === 'auto-submitted' && token !== '' && token !== 'no') return true;
    if ((key === 'x-autoreply' || key === 'x-autorespond') && value !== '' && value !== 'no') return true;
    if (key === 'precedence' && ['auto_reply', 'bulk', 'junk'].includes(token)) return true;
  }
  return false;
}
