import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { formatZohoDateTime } from '../time.js';
import { findMailboxRow, listMailboxRows, type MailboxMessageRow, type MailboxSummaryRow } from './mailbox-repository.js';

/**
 * Reading the local mailbox: the org's messages newest first, one message parsed from its stored
 * RFC 5322 text, one attachment. Only the viewer's org is ever read; a message id of another org
 * (or a malformed one) is NOT_FOUND exactly like a missing id.
 */
export type MailboxSummary = {
  id: string;
  message_id: string;
  envelope_from: string;
  envelope_to: string[];
  subject: string;
  /** ISO 8601 with the viewer's offset, second precision (as Zoho renders times). */
  created_time: string;
};

export type MailboxPage = { messages: MailboxSummary[]; page: number; perPage: number; moreRecords: boolean };

/** The main headers as decoded text; null when the message has none. */
export type MailboxHeaders = {
  from: string | null;
  to: string | null;
  cc: string | null;
  reply_to: string | null;
  subject: string | null;
  date: string | null;
  message_id: string | null;
  in_reply_to: string | null;
  references: string | null;
};

export type MailboxAttachment = {
  index: number;
  filename: string | null;
  content_type: string;
  size: number;
  content: Buffer;
};

export type ParsedMailboxMessage = {
  headers: MailboxHeaders;
  text: string | null;
  /** The HTML part as sent (cid: images inlined as data: URIs); unsafe to render as is. */
  html: string | null;
  attachments: MailboxAttachment[];
};

export type MailboxMessage = MailboxSummary & ParsedMailboxMessage;

export const MAX_PER_PAGE = 200;
const ID_PATTERN = /^\d{1,19}$/;

export async function listMailbox(ctx: Context, viewer: Principal, options: { page: number; perPage: number }): Promise<MailboxPage> {
  const perPage = Math.min(Math.max(Math.trunc(options.perPage), 1), MAX_PER_PAGE);
  const page = Math.max(Math.trunc(options.page), 1);
  const rows = await listMailboxRows(ctx.db, viewer.orgId, (page - 1) * perPage, perPage + 1);
  return {
    messages: rows.slice(0, perPage).map((row) => summarise(row, viewer.timeZone)),
    page,
    perPage,
    moreRecords: rows.length > perPage,
  };
}

export async function getMailboxMessage(ctx: Context, viewer: Principal, id: string): Promise<MailboxMessage> {
  const row = await findRow(ctx, viewer, id);
  return { ...summarise(row, viewer.timeZone), ...(await parseMailboxMessage(row.raw)) };
}

/** The message exactly as stored (RFC 5322, CRLF line ends). */
export async function getMailboxRaw(ctx: Context, viewer: Principal, id: string): Promise<{ id: string; raw: string }> {
  const row = await findRow(ctx, viewer, id);
  return { id: row.id, raw: row.raw };
}

export async function getMailboxAttachment(ctx: Context, viewer: Principal, id: string, index: string): Promise<MailboxAttachment> {
  const message = await getMailboxMessage(ctx, viewer, id);
  const attachment = /^\d{1,4}$/.test(index) ? message.attachments[Number(index)] : undefined;
  if (!attachment) throw new AppError('NOT_FOUND');
  return attachment;
}

/** Parses a stored message with mailparser; attachments are numbered in message order from 0. */
export async function parseMailboxMessage(raw: string): Promise<ParsedMailboxMessage> {
  const parsed = await simpleParser(raw, { skipTextToHtml: true, skipTextLinks: true });
  return {
    headers: {
      from: addressText(parsed.from),
      to: addressText(parsed.to),
      cc: addressText(parsed.cc),
      reply_to: addressText(parsed.replyTo),
      subject: parsed.subject ?? null,
      date: rawHeader(parsed, 'date'),
      message_id: parsed.messageId ?? null,
      in_reply_to: parsed.inReplyTo ?? null,
      references: parsed.references === undefined ? null : [parsed.references].flat().join(' '),
    },
    text: parsed.text ?? null,
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((attachment, index) => ({
      index,
      filename: attachment.filename ?? null,
      content_type: attachment.contentType,
      size: attachment.content.length,
      content: attachment.content,
    })),
  };
}

async function findRow(ctx: Context, viewer: Principal, id: string): Promise<MailboxMessageRow> {
  const row = ID_PATTERN.test(id) ? await findMailboxRow(ctx.db, viewer.orgId, id) : undefined;
  if (!row) throw new AppError('NOT_FOUND');
  return row;
}

function summarise(row: MailboxSummaryRow, timeZone: string): MailboxSummary {
  return {
    id: row.id,
    message_id: row.message_id,
    envelope_from: row.envelope_from,
    envelope_to: envelopeTo(row.envelope_to),
    subject: row.subject,
    created_time: formatZohoDateTime(row.created_at, timeZone),
  };
}

function envelopeTo(value: string): string[] {
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return [];
  }
}

function addressText(value: AddressObject | AddressObject[] | undefined): string | null {
  if (value === undefined) return null;
  const text = [value].flat().map((address) => address.text).filter((t) => t.length > 0).join(', ');
  return text.length > 0 ? text : null;
}

/** A header's value as written (unfolded), e.g. Date, which mailparser turns into a Date object. */
function rawHeader(parsed: ParsedMail, key: string): string | null {
  const line = parsed.headerLines.find((h) => h.key === key)?.line;
  if (line === undefined) return null;
  return line.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}
