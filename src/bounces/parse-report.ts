import { simpleParser, type ParsedMail } from 'mailparser';
import { classifyBounce, DSN_ACTIONS, findStatus, normaliseStatus, type BounceClassification, type DsnAction } from './classify.js';
import { normaliseMessageId } from './relay-event.js';

/**
 * What a message that arrived at the bounce address says: a delivery status notification (per
 * recipient: action, status, diagnostic), a complaint (ARF feedback report), or nothing we can
 * read (`unknown`, with why: kept for admins, changes nothing). Pure apart from MIME decoding
 * (mailparser); never throws.
 *
 * Read, in this order:
 * 1. ARF (RFC 5965): a `message/feedback-report` part (in `multipart/report;
 *    report-type=feedback-report`): Feedback-Type, User-Agent, Original-Mail-From,
 *    Original-Rcpt-To, Arrival-Date; the original's Message-ID from the third part.
 * 2. RFC 3464 / RFC 6533: a `message/delivery-status` (or `message/global-delivery-status`) part:
 *    per-message fields (Reporting-MTA, Original-Envelope-Id), then one group per recipient
 *    (Final-Recipient / Original-Recipient with their `rfc822;` type, Action, Status,
 *    Diagnostic-Code, Remote-MTA; folded lines unfolded); the original's Message-ID and To from a
 *    `text/rfc822-headers` or `message/rfc822` part.
 * 3. Plain-text bounces (qmail, Postfix without DSN, Exim, Exchange/Office 365 NDRs, Gmail): the
 *    text must look like a bounce (a known phrase, or a MAILER-DAEMON/postmaster sender) and hold
 *    an RFC 3463 status or an SMTP 4xx/5xx reply. Per-address blocks (`<addr>:` lines of
 *    qmail/Postfix, indented addresses of Exim, address lines of Exchange) give one recipient
 *    each; otherwise one recipient, whose address may be null (the VERP token of the envelope
 *    says who it was). A delay warning ("has not yet been delivered", "will retry") gives
 *    action `delayed`.
 *
 * Bounds: a message over MAX_REPORT_BYTES (10 MiB) is refused (`unknown`); only its first
 * PARSED_PREFIX_BYTES (512 KiB) are parsed, which always hold the human-readable and
 * machine-readable parts (RFC 3464 puts the returned message last). At most MAX_RECIPIENTS
 * recipients are read from one report.
 */

export const MAX_REPORT_BYTES = 10 * 1024 * 1024;
export const PARSED_PREFIX_BYTES = 512 * 1024;
export const MAX_RECIPIENTS = 100;

export interface DsnRecipient {
  /** Final-Recipient, else Original-Recipient (address only, lowercased); null when the report does not say. */
  recipient: string | null;
  originalRecipient: string | null;
  action: DsnAction | null;
  status: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
  /** What this means (hard/soft/delayed/delivered, Zoho's category and sub-category, reason). */
  bounce: BounceClassification;
}

export interface DsnReport {
  kind: 'dsn';
  /** `rfc3464`: a machine-readable delivery-status part; `text`: read from a human-readable bounce. */
  format: 'rfc3464' | 'text';
  reportingMta: string | null;
  recipients: DsnRecipient[];
  /** The returned message's Message-ID, without angle brackets. */
  originalMessageId: string | null;
  /** RFC 3464 Original-Envelope-Id (the ENVID given at MAIL FROM), if any. */
  originalEnvelopeId: string | null;
  /** The first address of the returned message's To header. */
  originalTo: string | null;
}

export interface ComplaintReport {
  kind: 'complaint';
  /** `abuse`, `fraud`, `virus`, `other`, `not-spam`… (RFC 5965 §7.3), lowercased. */
  feedbackType: string;
  originalMessageId: string | null;
  /** Original-Rcpt-To, else the returned message's To (often redacted by the provider). */
  originalRecipient: string | null;
  /** Original-Mail-From, else the returned message's Return-Path: our VERP address when there is one. */
  originalMailFrom: string | null;
  userAgent: string | null;
  /** Arrival-Date, epoch ms. */
  arrivalDate: number | null;
  sourceIp: string | null;
}

export interface UnknownReport {
  kind: 'unknown';
  reason: string;
}

export type ParsedReport = DsnReport | ComplaintReport | UnknownReport;

export async function parseReport(raw: Buffer): Promise<ParsedReport> {
  if (!Buffer.isBuffer(raw)) return { kind: 'unknown', reason: 'not a message' };
  if (raw.length > MAX_REPORT_BYTES) return { kind: 'unknown', reason: `larger than ${MAX_REPORT_BYTES} bytes` };
  if (raw.length === 0) return { kind: 'unknown', reason: 'empty message' };
  let mail: ParsedMail;
  try {
    mail = await simpleParser(raw.subarray(0, PARSED_PREFIX_BYTES), {
      keepDeliveryStatus: true,
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
    });
  } catch (error) {
    return { kind: 'unknown', reason: `unreadable MIME: ${(error as Error).message}` };
  }
  try {
    return readParsed(mail, raw.subarray(0, PARSED_PREFIX_BYTES));
  } catch (error) {
    return { kind: 'unknown', reason: `unreadable report: ${(error as Error).message}` };
  }
}

function readParsed(mail: ParsedMail, raw: Buffer): ParsedReport {
  const parts = reportParts(mail, raw);
  const original = originalHeaders(parts);

  const feedback = parts.find((part) => part.contentType === 'message/feedback-report');
  if (feedback) return readFeedbackReport(feedback.text, original);

  const status = parts.find((part) => part.contentType === 'message/delivery-status' || part.contentType === 'message/global-delivery-status');
  if (status) {
    const report = readDeliveryStatus(status.text, original);
    if (report) return report;
  }
  return readTextBounce(mail, original);
}

interface ReportPart {
  contentType: string;
  text: string;
}

/**
 * The parts of a top-level multipart/report, split here (mailparser renders an inline
 * message/rfc822 part into the text and loses its headers); for any other message, the parts
 * mailparser kept as attachments (a report nested in multipart/mixed).
 */
function reportParts(mail: ParsedMail, raw: Buffer): ReportPart[] {
  const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
  const boundary = contentType?.params?.boundary;
  if (contentType?.value?.toLowerCase() === 'multipart/report' && boundary) {
    const parts = splitMultipart(raw, boundary);
    if (parts.length > 0) return parts;
  }
  return (mail.attachments ?? []).map((part) => ({
    contentType: (part.contentType ?? '').toLowerCase(),
    text: Buffer.isBuffer(part.content) ? part.content.toString('utf8') : String(part.content ?? ''),
  }));
}

/** The body parts of a multipart body with `boundary` (one level), decoded from base64 or quoted-printable. */
export function splitMultipart(raw: Buffer, boundary: string): ReportPart[] {
  const delimiter = `--${boundary}`;
  const parts: ReportPart[] = [];
  let current: string[] | null = null;
  for (const line of raw.toString('latin1').split(/\r?\n/)) {
    const trimmed = line.trimEnd();
    if (trimmed === delimiter || trimmed === `${delimiter}--`) {
      if (current) parts.push(toPart(current));
      if (trimmed !== delimiter || parts.length >= MAX_PARTS) return parts;
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (current) parts.push(toPart(current)); // no closing delimiter (a truncated report)
  return parts;
}

const MAX_PARTS = 20;

function toPart(lines: string[]): ReportPart {
  const blank = lines.findIndex((line) => /^\s*$/.test(line));
  const headerLines = blank < 0 ? lines : lines.slice(0, blank);
  const body = blank < 0 ? '' : lines.slice(blank + 1).join('\n');
  const headers = parseFieldGroups(headerLines.join('\n'))[0] ?? new Map<string, string>();
  const contentType = (headers.get('content-type') ?? 'text/plain').split(';')[0]!.trim().toLowerCase();
  const encoding = (headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const bytes = encoding === 'base64' ? Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : Buffer.from(body, 'latin1');
  return { contentType, text: bytes.toString('utf8') };
}

function decodeQuotedPrintable(body: string): Buffer {
  const unfolded = body.replace(/=[ \t]*\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < unfolded.length; i += 1) {
    const hex = unfolded.slice(i + 1, i + 3);
    if (unfolded[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(unfolded.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

// ---------------------------------------------------------------------------------------------
// Fields (RFC 3464 §2.1, RFC 5965 §3.1: header-like fields, groups separated by blank lines)

/** Groups of `name: value` fields; names lowercased, folded lines unfolded, the first of a repeated field kept. */
export function parseFieldGroups(text: string): Array<Map<string, string>> {
  const groups: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*$/.test(line)) {
      if (current.size > 0) groups.push(current);
      current = new Map();
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (last !== null) current.set(last, `${current.get(last) ?? ''} ${line.trim()}`.trim());
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      last = null;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) {
      last = null;
      continue;
    }
    if (current.has(name)) {
      last = null;
      continue;
    }
    current.set(name, line.slice(colon + 1).trim());
    last = name;
  }
  if (current.size > 0) groups.push(current);
  return groups;
}

/** `rfc822; Bob@X.example` → `Bob@X.example` (the address-type or diagnostic-type prefix dropped). */
export function stripTypePrefix(value: string | undefined): string | null {
  if (value === undefined) return null;
  const stripped = value.replace(/^[A-Za-z0-9-]+\s*;\s*/, '').trim();
  return stripped === '' ? null : stripped;
}

function addressOf(value: string | null | undefined): string | null {
  if (!value) return null;
  const bracketed = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const bare = bracketed ? bracketed[1]! : /([^\s,;<>"()]+@[^\s,;<>"()]+)/.exec(value)?.[1];
  return bare ? bare.replace(/[.]+$/, '').toLowerCase() : null;
}

// ---------------------------------------------------------------------------------------------
// RFC 3464

function readDeliveryStatus(text: string, original: OriginalHeaders): DsnReport | null {
  const groups = parseFieldGroups(text);
  if (groups.length === 0) return null;
  const perMessage = groups[0]!;
  const recipientGroups = groups.slice(perMessage.has('final-recipient') || perMessage.has('action') ? 0 : 1);
  const recipients: DsnRecipient[] = [];
  for (const group of recipientGroups.slice(0, MAX_RECIPIENTS)) {
    if (!group.has('final-recipient') && !group.has('original-recipient') && !group.has('action')) continue;
    const originalRecipient = addressOf(stripTypePrefix(group.get('original-recipient')));
    const recipient = addressOf(stripTypePrefix(group.get('final-recipient'))) ?? originalRecipient;
    const action = readAction(group.get('action'));
    const diagnostic = stripTypePrefix(group.get('diagnostic-code'));
    const status = normaliseStatus(group.get('status')) ?? findStatus(diagnostic);
    recipients.push({
      recipient,
      originalRecipient,
      action,
      status,
      diagnostic,
      remoteMta: stripTypePrefix(group.get('remote-mta')),
      bounce: classifyBounce({ status, action, diagnostic }),
    });
  }
  if (recipients.length === 0) return null;
  return {
    kind: 'dsn',
    format: 'rfc3464',
    reportingMta: stripTypePrefix(perMessage.get('reporting-mta')),
    recipients,
    originalMessageId: original.messageId,
    originalEnvelopeId: perMessage.get('original-envelope-id')?.trim() || null,
    originalTo: original.to,
  };
}

function readAction(value: string | undefined): DsnAction | null {
  const word = value?.trim().split(/[\s(]/)[0]?.toLowerCase();
  return DSN_ACTIONS.find((action) => action === word) ?? null;
}

// ---------------------------------------------------------------------------------------------
// RFC 5965

function readFeedbackReport(text: string, original: OriginalHeaders): ParsedReport {
  const fields = parseFieldGroups(text)[0];
  const feedbackType = fields?.get('feedback-type')?.trim().toLowerCase();
  if (!fields || !feedbackType) return { kind: 'unknown', reason: 'feedback report without Feedback-Type' };
  const arrival = fields.get('arrival-date') ?? fields.get('received-date');
  const arrivalMs = arrival ? Date.parse(arrival) : Number.NaN;
  return {
    kind: 'complaint',
    feedbackType,
    originalMessageId: original.messageId,
    originalRecipient: addressOf(fields.get('original-rcpt-to')) ?? original.to,
    originalMailFrom: addressOf(fields.get('original-mail-from')) ?? original.returnPath,
    userAgent: fields.get('user-agent') ?? null,
    arrivalDate: Number.isFinite(arrivalMs) ? arrivalMs : null,
    sourceIp: fields.get('source-ip') ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// The returned message (text/rfc822-headers, message/rfc822)

interface OriginalHeaders {
  messageId: string | null;
  to: string | null;
  returnPath: string | null;
}

function originalHeaders(parts: ReportPart[]): OriginalHeaders {
  const part = parts.find((p) => ['text/rfc822-headers', 'message/rfc822', 'message/global', 'message/global-headers'].includes(p.contentType));
  return headersOf(part?.text ?? '');
}

function headersOf(text: string): OriginalHeaders {
  const fields = parseFieldGroups(text)[0] ?? new Map<string, string>();
  return {
    messageId: normaliseMessageId(fields.get('message-id')),
    to: addressOf(fields.get('to')),
    returnPath: addressOf(fields.get('return-path')),
  };
}

// ---------------------------------------------------------------------------------------------
// Plain-text bounces

const BOUNCE_PHRASES: RegExp[] = [
  /This message was created automatically by mail delivery software/i, // Exim
  /This is the mail system at host/i, // Postfix
  /I'm sorry to have to inform you that your message could not/i, // Postfix
  /This is the qmail-send program/i, // qmail
  /I'm afraid I wasn't able to deliver your message/i, // qmail
  /Delivery has failed to these recipients or groups/i, // Exchange
  /Remote Server returned '/i, // Exchange, Office 365
  /The response from the remote server was/i, // Gmail
  /Delivery to the following recipients? failed/i, // Gmail (older)
  /(?:wasn't|was not|couldn't be|could not be|cannot be|can't be) delivered/i,
  /has not yet been delivered/i,
  /Delivery Status Notification/i,
  /Undeliver(?:able|ed) (?:Mail|Message)/i,
  /(?:Mail|Message) delivery (?:failed|failure)/i,
  /Returned mail/i,
  /failure notice/i,
  /permanent(?:ly)? (?:error|fatal errors)/i,
];
const DELAY_PHRASES =
  /has not yet been delivered|delivery (?:is |has been )?delayed|delay(?:ed)? (?:mail|message)|will (?:continue to |keep )?(?:retry|try)|still trying|Delivery Status Notification \(Delay\)|Warning: could not send message for past|temporarily deferred|no action is required on your part/i;
const ORIGINAL_MESSAGE_MARKER =
  /^[ \t]*(?:-+ ?This is a copy of the message|-+ ?Below this line is a copy of the message|-+ ?The header of the original message|-+ ?Original message|Original message headers:|-+Original Message-+|-+ ?Forwarded message)/im;
const REPLY_LINE = /(?:^|[\s'"#(])[45]\d\d(?:[ -]|$)|(?<![\d.])[45]\.\d{1,3}\.\d{1,3}(?![\d.]*\d)/;
const ADDRESS_LINE = /^[ \t]{0,8}<?([^\s<>@:,;"]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?:?[ \t]*(.*)$/;

function readTextBounce(mail: ParsedMail, original: OriginalHeaders): ParsedReport {
  const subject = mail.subject ?? '';
  const from = mail.from?.value?.[0]?.address ?? '';
  const fullText = (mail.text ?? '').slice(0, PARSED_PREFIX_BYTES);
  const cut = ORIGINAL_MESSAGE_MARKER.exec(fullText);
  const text = cut ? fullText.slice(0, cut.index) : fullText;
  const fromDaemon = /^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@/i.test(from);
  if (!fromDaemon && !BOUNCE_PHRASES.some((phrase) => phrase.test(text) || phrase.test(subject))) {
    return { kind: 'unknown', reason: 'neither a delivery report nor a feedback report' };
  }
  const delayed = DELAY_PHRASES.test(text) || DELAY_PHRASES.test(subject);
  const action: DsnAction = delayed ? 'delayed' : 'failed';
  const returned = cut && original.messageId === null ? headersOf(returnedHeaderBlock(fullText.slice(cut.index))) : original;

  let blocks = addressBlocks(text).filter((block) => REPLY_LINE.test(block.text));
  if (blocks.length === 0) {
    const diagnostic = diagnosticLine(text);
    if (diagnostic === null) return { kind: 'unknown', reason: 'a bounce without a failure status' };
    blocks = [{ address: recipientMentioned(text), text: diagnostic }];
  }
  const recipients = blocks.slice(0, MAX_RECIPIENTS).map((block): DsnRecipient => {
    const diagnostic = diagnosticLine(block.text, true) ?? oneLine(block.text);
    const status = findStatus(diagnostic);
    return {
      recipient: block.address,
      originalRecipient: null,
      action,
      status,
      diagnostic,
      remoteMta: null,
      bounce: classifyBounce({ status, action, diagnostic }),
    };
  });
  return {
    kind: 'dsn',
    format: 'text',
    reportingMta: null,
    recipients,
    originalMessageId: returned.messageId ?? original.messageId,
    originalEnvelopeId: null,
    originalTo: returned.to ?? original.to,
  };
}

interface AddressBlock {
  address: string | null;
  text: string;
}

/**
 * Per-address blocks: a line that starts with an address (`<bob@x>:` of qmail and Postfix,
 * `  bob@x` of Exim, `bob@x` of Exchange) and the lines after it up to a blank line or the next
 * such line. Blocks of the same address are merged (Exchange names each address twice).
 */
function addressBlocks(text: string): AddressBlock[] {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split(/\r?\n/)) {
    const start = ADDRESS_LINE.exec(line);
    if (start) {
      const address = start[1]!.toLowerCase();
      current = blocks.get(address) ?? [];
      blocks.set(address, current);
      if (start[2]) current.push(start[2]);
      continue;
    }
    if (/^\s*$/.test(line)) {
      current = null;
      continue;
    }
    current?.push(line.trim());
  }
  return [...blocks].map(([address, lines]) => ({ address, text: lines.join('\n') }));
}

/**
 * The remote's reply: after "Remote Server returned" / "The response from the remote server was:",
 * else from the first line with a 4xx/5xx reply or status: to the end of a block (`wholeRest`),
 * or over the indented lines that continue it (Postfix, Exim fold long replies).
 */
function diagnosticLine(text: string, wholeRest = false): string | null {
  const exchange = /Remote Server returned '([^']+)'/i.exec(text);
  if (exchange) return exchange[1]!.trim();
  const gmail = /The response (?:from the remote server )?was:\s*\n?([^\n]+(?:\n(?!\s*\n)[^\n]+)*)/i.exec(text);
  if (gmail && REPLY_LINE.test(gmail[1]!)) return oneLine(gmail[1]!);
  const lines = text.split(/\r?\n/);
  const index = lines.findIndex((line) => REPLY_LINE.test(line));
  if (index < 0) return null;
  if (wholeRest) return oneLine(lines.slice(index).join(' '));
  let reply = lines[index]!;
  for (const next of lines.slice(index + 1)) {
    if (!/^[ \t]+\S/.test(next) || ADDRESS_LINE.test(next)) break;
    reply += ` ${next}`;
  }
  return oneLine(reply);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 1000);
}

function recipientMentioned(text: string): string | null {
  const patterns = [
    /(?:wasn't|was not|couldn't be|could not be|cannot be|can't be|has not yet been) delivered to\s+<?([^\s<>]+@[^\s<>]+)/i,
    /following (?:recipients?|address(?:\(es\))?|addresses)[^:\n]*:\s*<?([^\s<>]+@[^\s<>]+)/i,
    /RCPT TO:?\s*<([^\s<>]+@[^\s<>]+)>/i,
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) return addressOf(match[1]);
  }
  return null;
}

/** The header block of a returned message that follows its marker line in the text. */
function returnedHeaderBlock(tail: string): string {
  const lines = tail.split(/\r?\n/).slice(1);
  while (lines.length > 0 && /^\s*$/.test(lines[0]!)) lines.shift();
  return lines.join('\n');
}
