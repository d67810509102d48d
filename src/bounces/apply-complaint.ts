import { optOutAddress } from '../compliance/opt-out-address.js';
import type { Context } from '../context.js';
import { webhookSubjectOf, type ReportedRecipient } from './bounce-repository.js';
import { recipientEvent } from '../webhooks/webhook-events.js';
import type { ReportSource } from './apply-recipient-report.js';

export const COMPLAINT_REASON = 'complaint';
export const COMPLAINT_MODE = 'Spam complaint';

/**
 * A recipient complained (an ARF feedback report, RFC 5965, or a relay's complaint event): the
 * address opts out of the org's mail — every record holding it gets `Email_Opt_Out: true`,
 * audited as `opt_out.changed` with reason `complaint`. Idempotent (a second report changes and
 * audits nothing). Returns how many records changed. Webhook events, in the same transaction:
 * `recipient.complained` for the report, and `recipient.unsubscribed` (source `complaint`) when
 * records opted out.
 */
export async function applyComplaint(ctx: Context, recipient: ReportedRecipient, complaint: Readonly<{ source: ReportSource | 'arf'; feedbackType: string | null }>): Promise<number> {
  const changed = await optOutAddress(ctx, {
    orgId: recipient.orgId,
    email: recipient.email,
    reason: COMPLAINT_REASON,
    mode: COMPLAINT_MODE,
    actor: { type: 'system', id: null },
    details: { message_id: recipient.messageId, recipient_id: recipient.recipientId, source: complaint.source, feedback_type: complaint.feedbackType },
    events: (changed) => {
      const { mail, recipient: subject } = webhookSubjectOf(recipient);
      const now = ctx.clock.now();
      return [
        recipientEvent('recipient.complained', mail, subject, now, { feedback_type: complaint.feedbackType }),
        ...(changed > 0 ? [recipientEvent('recipient.unsubscribed', mail, subject, now, { source: 'complaint' })] : []),
      ];
    },
  });
  ctx.log.info({ event: 'complaint.recorded', source: complaint.source, message_id: recipient.messageId, records: changed }, 'complaint recorded');
  return changed;
}
