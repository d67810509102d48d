import type { RecordEmailsPage } from '../mail/list-record-emails.js';
import type { MailView, RecipientView } from '../mail/mail-view.js';
import { formatWithOffset, formatZohoDateTime } from '../time.js';

/**
 * The Emails related list on the wire (docs/zoho-contract.md §8, §19.11): Zoho's keys, times in
 * the caller's time zone. `status` holds one entry per recipient with Zoho's `type` (sent,
 * bounced, scheduled, opened, clicked …; `first_open`, `last_open`, `count` with opens) plus
 * Mailroom's click trio (`first_click`, `last_click`, `click_count`) and DSN fields: `email`, `action`, `status_code`,
 * `diagnostic`, `remote_mta`, `last_attempt_time`, `next_attempt_time`, `possible_duplicate`.
 * A reply received on the record (src/replies/) is an entry with `sent: false`, `from` the replier,
 * `to` the original's sender, the original's `thread_id`, `message_id` its own id (`r…`), an empty
 * `status`, and beyond Zoho `in_reply_to` (the original's message_id) and `auto_reply`.
 */
export function recordEmailsJson(page: RecordEmailsPage, timeZone: string): { Emails: Record<string, unknown>[]; info: Record<string, unknown> } {
  return {
    Emails: page.emails.map((mail) => emailJson(mail, timeZone)),
    info: { per_page: page.perPage, count: page.emails.length, next_index: page.nextIndex, prev_index: page.prevIndex, more_records: page.nextIndex !== null },
  };
}

const person = (email: string, name: string | null) => ({ user_name: name, email });

function recipientStatus(r: RecipientView, timeZone: string): Record<string, unknown> {
  const time = (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));
  const entry: Record<string, unknown> = {
    type: r.status,
    email: r.email,
    action: r.action,
    status_code: r.statusCode,
    diagnostic: r.diagnostic,
    remote_mta: r.remoteMta,
    last_attempt_time: time(r.lastAttemptAt),
    next_attempt_time: time(r.nextAttemptAt),
    possible_duplicate: r.possibleDuplicate,
  };
  // Tracking (README "Tracking opens and clicks"): Zoho's open trio, `count` a string as Zoho's;
  // Mailroom's click trio beside it. Only the person's events count (prefetches and scanners not).
  if (r.opens) Object.assign(entry, { first_open: time(r.opens.first), last_open: time(r.opens.last), count: String(r.opens.count) });
  if (r.clicks) Object.assign(entry, { first_click: time(r.clicks.first), last_click: time(r.clicks.last), click_count: String(r.clicks.count) });
  if (r.bounce) {
    entry.bounced_time = time(r.bounce.at);
    entry.bounced_reason = r.diagnostic;
    entry.category = r.bounce.category ?? 'Permanently blocked';
    entry.sub_category = r.bounce.subCategory ?? r.statusCode;
  } else if (r.delivery === 'failed') {
    entry.bounced_time = time(r.doneAt);
    entry.bounced_reason = r.diagnostic;
    entry.category = 'Delivery failed';
    entry.sub_category = r.statusCode;
  }
  return entry;
}

/** One `Emails` entry; with its content when the view carries it (`GET …/Emails/{message_id}`). */
export function emailJson(mail: MailView, timeZone: string): Record<string, unknown> {
  const list = (kind: RecipientView['kind']) => mail.recipients.filter((r) => r.kind === kind).map((r) => person(r.email, r.name));
  const cc = list('cc');
  const incoming = mail.incoming;
  const out: Record<string, unknown> = {
    message_id: mail.messageId,
    thread_id: mail.threadId,
    subject: mail.subject,
    from: person(mail.from.email, mail.from.name),
    to: incoming ? incoming.to.map((a) => person(a.email, a.name)) : list('to'),
    cc: cc.length > 0 ? cc : null,
    // Without one, Zoho's sample shows an empty address rather than null.
    reply_to: mail.replyTo ? person(mail.replyTo.email, mail.replyTo.name) : person('', null),
    owner: mail.owner ? { name: mail.owner.name, id: mail.owner.id } : null,
    time: formatZohoDateTime(mail.at, timeZone),
    sent: mail.sentAt !== null,
    read: false,
    source: mail.source,
    has_attachment: mail.attachments.length > 0,
    has_thread_attachment: false,
    summary: null,
    intent: null,
    sentiment_info: null,
    emotion: null,
    linked_record: mail.linkedRecord
      ? { module: { api_name: mail.linkedRecord.module.apiName, id: mail.linkedRecord.module.id }, id: mail.linkedRecord.id, name: mail.linkedRecord.name }
      : null,
    related_to_record: null,
    status: mail.recipients.map((r) => recipientStatus(r, timeZone)),
    // Beyond Zoho: when it was scheduled for, in the offset it was given with.
    scheduled_time: mail.scheduled === null ? null : formatWithOffset(mail.scheduled.at, mail.scheduled.offset),
  };
  if (incoming) Object.assign(out, { in_reply_to: incoming.inReplyTo, auto_reply: incoming.autoReply });
  if (mail.body) {
    const bcc = list('bcc');
    Object.assign(out, {
      content: mail.body.content,
      mail_format: mail.body.mailFormat,
      editable: false,
      sent_time: mail.sentAt === null ? null : formatZohoDateTime(mail.sentAt, timeZone),
      bcc: bcc.length > 0 ? bcc : null,
      attachments: mail.attachments.map((f) => ({ size: String(f.size), name: f.name, id: f.fileId })),
    });
  }
  return out;
}
