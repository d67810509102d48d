import type { UserRow } from '../users/user-repository.js';
import { fullName } from '../users/user-repository.js';
import type { Address } from './mail-input.js';
import type { MailRow, RecipientRow } from './mail-repository.js';
import type { CarriedFile } from './mail-attachment-repository.js';
import type { EngagementSummary } from '../tracking/recipient-event-repository.js';
import type { ReplyRow } from '../replies/reply-repository.js';

/**
 * A mail as the Emails related list and the web UI show it (docs/zoho-contract.md §8): who sent it
 * to whom, when, and where each recipient stands. `wire/record-emails.ts` writes it as Zoho's
 * `Emails` entry; the web UI renders it directly.
 */
export type RecipientView = Readonly<{
  kind: RecipientRow['kind'];
  email: string;
  name: string | null;
  /**
   * As the list shows it: the recipient's delivery status, or `scheduled` / `cancelled` while the
   * mail is; a `sent` recipient with the person's clicks is `clicked`, else with opens `opened`
   * (clicked > opened > sent: a click implies the mail was read). Other statuses stay as they are
   * (`replied`: the person answered; src/replies/).
   */
  status: RecipientRow['status'] | 'scheduled' | 'cancelled' | 'opened' | 'clicked';
  /** The recipient's own delivery status (queued, sent, deferred, bounced, failed, skipped). */
  delivery: RecipientRow['status'];
  /** RFC 3464 action (delivered, delayed, failed), RFC 3463 status code, the server's words. */
  action: string | null;
  statusCode: string | null;
  diagnostic: string | null;
  remoteMta: string | null;
  lastAttemptAt: number | null;
  nextAttemptAt: number | null;
  doneAt: number | null;
  possibleDuplicate: boolean;
  /** A bounce (at once or learnt later from a DSN or a relay event): when, and Zoho's category / sub_category. */
  bounce: Readonly<{ at: number; category: string | null; subCategory: string | null }> | null;
  /** The person's opens and clicks (tracking; events flagged as prefetches or scanners not counted); null: none. */
  opens: Engagement | null;
  clicks: Engagement | null;
}>;

export type Engagement = Readonly<{ first: number; last: number; count: number }>;

export type MailView = Readonly<{
  messageId: string;
  threadId: string;
  subject: string;
  from: Address;
  replyTo: Address | null;
  owner: { id: string; name: string } | null;
  /** When it was sent, else when it is to go, else when it was accepted. */
  at: number;
  sentAt: number | null;
  /** When it was scheduled for, with the offset it was given in. */
  scheduled: { at: number; offset: string } | null;
  source: MailRow['source'];
  linkedRecord: { module: { apiName: string; id: string }; id: string; name: string | null } | null;
  recipients: readonly RecipientView[];
  /** Attached files (inline images are not listed). */
  attachments: readonly { fileId: string; name: string; size: number }[];
  /** The content, for a view of one mail. */
  body: { content: string; mailFormat: MailRow['mail_format'] } | null;
  /**
   * A reply received on the record (src/replies/), not a mail sent from it: `from` is the replier,
   * `incoming.to` the addresses of its To header, `inReplyTo` the message_id of the mail it answers;
   * `autoReply` for an RFC 3834 automatic reply (shown, not counted). Null for a mail.
   */
  incoming: Readonly<{ to: readonly Address[]; inReplyTo: string; autoReply: boolean; headerMessageId: string | null }> | null;
}>;

/** The stored form of `mails.linked_record` (written by send_mail). */
type StoredLink = { module: { api_name: string; id: string }; id: string; name: string | null };

function recipientView(mail: MailRow, r: RecipientRow, engagement: readonly EngagementSummary[]): RecipientView {
  const of = (kind: EngagementSummary['kind']): Engagement | null => {
    const e = engagement.find((x) => x.recipientId === r.id && x.kind === kind);
    return e ? { first: e.first, last: e.last, count: e.count } : null;
  };
  const opens = of('opened');
  const clicks = of('clicked');
  let status: RecipientView['status'] = r.status;
  if (mail.state === 'cancelled') status = 'cancelled';
  else if (mail.scheduled_at !== null && r.status === 'queued' && mail.attempts === 0) status = 'scheduled';
  // The next hop took it, and a DSN or relay event says a later hop is still trying.
  else if (r.status === 'sent' && r.action === 'delayed') status = 'deferred';
  else if (r.status === 'sent' && clicks) status = 'clicked';
  else if (r.status === 'sent' && opens) status = 'opened';
  return {
    kind: r.kind,
    email: r.email,
    name: r.name,
    status,
    delivery: r.status,
    action: r.action,
    statusCode: r.status_code,
    diagnostic: r.diagnostic,
    remoteMta: r.remote_mta,
    lastAttemptAt: r.last_attempt_at,
    nextAttemptAt: r.next_attempt_at,
    doneAt: r.done_at,
    possibleDuplicate: r.possible_duplicate === 1,
    bounce:
      r.status === 'bounced'
        ? { at: r.bounced_at ?? r.done_at ?? r.last_attempt_at ?? 0, category: r.bounce_category ?? null, subCategory: r.bounce_sub_category ?? null }
        : null,
    opens,
    clicks,
  };
}

export function mailView(
  mail: MailRow,
  recipients: readonly RecipientRow[],
  owner: UserRow | undefined,
  options: { withContent: boolean; files?: readonly CarriedFile[]; engagement?: readonly EngagementSummary[] },
): MailView {
  const link = mail.linked_record ? (JSON.parse(mail.linked_record) as StoredLink) : null;
  return {
    messageId: mail.message_id,
    threadId: mail.thread_id,
    subject: mail.subject,
    from: { email: mail.from_email, name: mail.from_name },
    replyTo: mail.reply_to_email ? { email: mail.reply_to_email, name: mail.reply_to_name } : null,
    owner: owner ? { id: owner.id, name: fullName(owner) } : null,
    at: mail.sent_at ?? mail.scheduled_at ?? mail.created_at,
    sentAt: mail.sent_at,
    scheduled: mail.scheduled_at === null ? null : { at: mail.scheduled_at, offset: mail.scheduled_offset ?? '+00:00' },
    source: mail.source,
    linkedRecord: link ? { module: { apiName: link.module.api_name, id: link.module.id }, id: link.id, name: link.name } : null,
    recipients: recipients.map((r) => recipientView(mail, r, options.engagement ?? [])),
    attachments: (options.files ?? []).filter((f) => f.kind !== 'inline').map((f) => ({ fileId: f.file_id, name: f.name, size: Number(f.size) })),
    body: options.withContent ? { content: mail.content, mailFormat: mail.mail_format } : null,
    incoming: null,
  };
}

type StoredReplyAttachment = { index: number; name: string; size: number; content_type: string };

/**
 * A reply as the Emails list shows it: `from` the replier, `to` the original mail's sender (the
 * reply went to its Reply-To on the sender's behalf), the thread of the mail it answers, never
 * `sent`; the content is the HTML sanitised at storage (else the text). Its attachments' ids are
 * `<reply id>-<index>` (downloaded by re-reading the stored raw message).
 */
export function replyView(reply: ReplyRow, original: Pick<MailRow, 'from_email' | 'from_name'> | undefined, options: { withContent: boolean }): MailView {
  const attachments = JSON.parse(reply.attachments_json) as StoredReplyAttachment[];
  return {
    messageId: reply.id,
    threadId: reply.thread_id,
    subject: reply.subject,
    from: { email: reply.from_email, name: reply.from_name },
    replyTo: null,
    owner: null,
    at: reply.received_at,
    sentAt: null,
    scheduled: null,
    source: 'reply',
    linkedRecord: null,
    recipients: [],
    attachments: attachments.map((a) => ({ fileId: `${reply.id}-${a.index}`, name: a.name, size: a.size })),
    body: options.withContent ? (reply.html !== null ? { content: reply.html, mailFormat: 'html' } : { content: reply.text ?? '', mailFormat: 'text' }) : null,
    incoming: {
      to: original ? [{ email: original.from_email, name: original.from_name }] : (JSON.parse(reply.to_json) as Address[]),
      inReplyTo: reply.message_id,
      autoReply: reply.auto_reply === 1,
      headerMessageId: reply.header_message_id,
    },
  };
}
