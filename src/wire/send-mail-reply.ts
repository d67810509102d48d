import type { DailyQuotaStatus } from '../limits/daily-quota.js';
import type { AcceptedMail, MailOutcome } from '../mail/send-mail.js';
import type { ApiVersion } from './versions.js';
import { itemsReply, type ItemSuccess, type WireReply } from './zoho-envelope.js';

/**
 * send_mail's answer (docs/zoho-contract.md §3.4): one `data` entry per mail asked for, in order;
 * 200 when all were accepted, 202 when some, the first refusal's status when none. Refusals name
 * their key by the version's rules (`wire/item-errors.ts`).
 */
export function sendMailReply(mails: readonly MailOutcome[], version: ApiVersion): WireReply {
  return itemsReply(
    mails.map((mail) => ('accepted' in mail ? { success: acceptedItem(mail.accepted) } : mail)),
    { root: 'data', rules: { version }, successStatus: 200 },
  );
}

/** Cancel and reschedule (beyond Zoho): a Zoho-style success envelope naming the mail. */
export function mailChangedReply(change: 'cancelled' | 'rescheduled', details: { message_id: string; scheduled_time?: string }): Record<string, unknown> {
  const success = { message: `Your mail has been ${change} successfully.`, details };
  return itemsReply([{ success }], { root: 'data', rules: { apiName: 'last-key' }, successStatus: 200 }).body;
}

function acceptedItem(mail: AcceptedMail): ItemSuccess {
  const details: Record<string, unknown> = { message_id: mail.messageId };
  if (mail.blockedAddresses.length > 0) details.blocked_email_addresses = mail.blockedAddresses.map((b) => ({ email: b.email, reason: b.reason }));
  return {
    message: mail.scheduledAt === null ? 'Your mail has been sent successfully.' : 'Your mail has been scheduled successfully.',
    details,
  };
}

/**
 * Response headers with the daily quota (beyond Zoho, so `X-MAILROOM-` rather than Zoho's
 * `X-RATELIMIT-DAY-*`, which the legacy SDKs read as API credits).
 */
export function quotaHeaders(status: DailyQuotaStatus): Record<string, string> {
  return {
    'X-MAILROOM-DAILY-LIMIT': String(status.limit),
    'X-MAILROOM-DAILY-REMAINING': String(status.remaining),
    'X-MAILROOM-DAILY-RESET': status.resets_at,
  };
}
