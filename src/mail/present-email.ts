import { formatWithOffset, formatZohoDateTime } from '../time.js';
import type { UserRow } from '../users/user-repository.js';
import { fullName } from '../users/user-repository.js';
import type { MailRow, RecipientRow } from './mail-repository.js';
import type { CarriedFile } from './mail-files.js';

/**
 * A mail as the Emails related list shows it (docs/zoho-contract.md §8). `status` holds one entry per
 * recipient with Zoho's `type` (sent, bounced, scheduled …) plus Mailroom's DSN fields:
 * `email`, `action`, `status_code`, `diagnostic`, `remote_mta`, `last_attempt_time`,
 * `next_attempt_time`, `possible_duplicate`.
 */
const person = (email: string, name: string | null) => ({ user_name: name, email });

function recipientStatus(mail: MailRow, r: RecipientRow, timeZone: string): Record<string, unknown> {
  const time = (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));
  let type: string = r.status;
  if (mail.state === 'cancelled') type = 'cancelled';
  else if (mail.scheduled_at !== null && r.status === 'queued' && mail.attempts === 0) type = 'scheduled';
  const entry: Record<string, unknown> = {
    type,
    email: r.email,
    action: r.action,
    status_code: r.status_code,
    diagnostic: r.diagnostic,
    remote_mta: r.remote_mta,
    last_attempt_time: time(r.last_attempt_at),
    next_attempt_time: time(r.next_attempt_at),
    possible_duplicate: r.possible_duplicate === 1,
  };
  if (r.status === 'bounced' || r.status === 'failed') {
    entry.bounced_time = time(r.done_at);
    entry.bounced_reason = r.diagnostic;
    entry.category = r.status === 'bounced' ? 'Permanently blocked' : 'Delivery failed';
    entry.sub_category = r.status_code;
  }
  return entry;
}

export function presentEmail(
  mail: MailRow,
  recipients: readonly RecipientRow[],
  owner: UserRow | undefined,
  timeZone: string,
  options: { withContent: boolean; files?: readonly CarriedFile[] },
): Record<string, unknown> {
  const attached = (options.files ?? []).filter((f) => f.kind !== 'inline');
  const list = (kind: RecipientRow['kind']) => recipients.filter((r) => r.kind === kind).map((r) => person(r.email, r.name));
  const cc = list('cc');
  const out: Record<string, unknown> = {
    message_id: mail.message_id,
    thread_id: mail.thread_id,
    subject: mail.subject,
    from: person(mail.from_email, mail.from_name),
    to: list('to'),
    cc: cc.length > 0 ? cc : null,
    // Without one, Zoho's sample shows an empty address rather than null.
    reply_to: mail.reply_to_email ? person(mail.reply_to_email, mail.reply_to_name) : person('', null),
    owner: owner ? { name: fullName(owner), id: owner.id } : null,
    time: formatZohoDateTime(mail.sent_at ?? mail.scheduled_at ?? mail.created_at, timeZone),
    sent: mail.sent_at !== null,
    read: false,
    source: mail.source,
    has_attachment: attached.length > 0,
    has_thread_attachment: false,
    summary: null,
    intent: null,
    sentiment_info: null,
    emotion: null,
    linked_record: mail.linked_record ? (JSON.parse(mail.linked_record) as unknown) : null,
    related_to_record: null,
    status: recipients.map((r) => recipientStatus(mail, r, timeZone)),
    // Beyond Zoho: when it was scheduled for, in the offset it was given with.
    scheduled_time: mail.scheduled_at === null ? null : formatWithOffset(mail.scheduled_at, mail.scheduled_offset ?? '+00:00'),
  };
  if (options.withContent) {
    const bcc = list('bcc');
    Object.assign(out, {
      content: mail.content,
      mail_format: mail.mail_format,
      editable: false,
      sent_time: mail.sent_at === null ? null : formatZohoDateTime(mail.sent_at, timeZone),
      bcc: bcc.length > 0 ? bcc : null,
      attachments: attached.map((f) => ({ size: String(f.size), name: f.name, id: f.file_id })),
    });
  }
  return out;
}
