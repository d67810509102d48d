import { optOutAddress } from '../compliance/opt-out-address.js';
import type { Context } from '../context.js';
import type { ReportedRecipient } from './bounce-repository.js';
import type { ReportSource } from './apply-recipient-report.js';

export const COMPLAINT_REASON = 'complaint';
export const COMPLAINT_MODE = 'Spam complaint';

/**
 * A recipient complained (an ARF feedback report, RFC 5965, or a relay's complaint event): the
 * address opts out of the org's mail — every record holding it gets `Email_Opt_Out: true`,
 * audited as `opt_out.changed` with reason `complaint`. Idempotent (a second report changes and
 * audits nothing). Returns how many records changed.
 */
export async function applyComplaint(ctx: Context, recipient: ReportedRecipient, complaint: Readonly<{ source: ReportSource | 'arf'; feedbackType: string | null }>): Promise<number> {
  const changed = await optOutAddress(ctx, {
    orgId: recipient.orgId,
    email: recipient.email,
    reason: COMPLAINT_REASON,
    mode: COMPLAINT_MODE,
    actor: { type: 'system', id: null },
    details: { message_id: recipient.messageId, recipient_id: recipient.recipientId, source: complaint.source, feedback_type: complaint.feedbackType },
  });
  ctx.log.info({ event: 'complaint.recorded', source: complaint.source, message_id: recipient.messageId, records: changed }, 'complaint recorded');
  return changed;
}
