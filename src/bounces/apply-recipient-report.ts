import type { Context } from '../context.js';
import { inTransaction } from '../db/database.js';
import { blockAddress } from '../mail/blocked-addresses.js';
import { recordLateReport } from '../mail/lifecycle-repository.js';
import { webhookSubjectOf, type ReportedRecipient } from './bounce-repository.js';
import type { BounceClassification } from './classify.js';

/** Where a late report came from (kept in the block's audit entry and the logs). */
export type ReportSource = 'dsn' | 'ses' | 'sendgrid';

export type RecipientReport = Readonly<{
  classification: BounceClassification;
  /** The remote's words (SMTP reply, DSN Diagnostic-Code), when the report has them. */
  diagnostic: string | null;
  remoteMta: string | null;
  /** When it happened, epoch ms (the DSN's arrival, the relay's timestamp). */
  at: number;
  source: ReportSource;
}>;

export type ReportEffect = 'bounced' | 'delayed' | 'delivered' | 'unchanged';

/**
 * A late report about one recipient (a DSN, a relay's bounce/deferral/delivery event), as the
 * lifecycle's transitions of a `sent` recipient:
 * - a hard or soft bounce: `lateBounce` (the recipient shows `bounced` with `bounced_time`,
 *   `bounced_reason`, `category`, `sub_category`) and the address is blocked for the org —
 *   permanently for a hard bounce (`unblock_email` refuses), temporarily for a soft one — with the
 *   block audited (`email.blocked`), in one transaction;
 * - delayed: `remoteDelay` (the remote's reason is shown; Mailroom does not retry: a later hop is);
 * - delivered: `remoteDelivery`.
 * Compare-and-set on `sent`: a replayed report, or one about a recipient that already bounced or
 * was never sent, changes nothing (`unchanged`).
 */
export async function applyRecipientReport(ctx: Context, recipient: ReportedRecipient, report: RecipientReport): Promise<ReportEffect> {
  const { classification } = report;
  const diagnostic = report.diagnostic ?? classification.reason;
  const statusCode = classification.status;
  if (classification.outcome === 'delayed' || classification.outcome === 'delivered') {
    const transition = classification.outcome === 'delayed' ? 'remoteDelay' : 'remoteDelivery';
    const moved = await recordLateReport(ctx.db, { recipientId: recipient.recipientId, transition, at: report.at, statusCode, diagnostic, remoteMta: report.remoteMta });
    return moved ? classification.outcome : 'unchanged';
  }
  const permanent = classification.outcome === 'hard';
  const bounce = { category: classification.category, subCategory: classification.subCategory };
  return inTransaction(ctx.db, async (tx) => {
    const moved = await recordLateReport(tx, {
      recipientId: recipient.recipientId,
      transition: 'lateBounce',
      at: report.at,
      statusCode,
      diagnostic,
      remoteMta: report.remoteMta,
      bounce,
      subject: webhookSubjectOf(recipient),
    });
    if (!moved) return 'unchanged';
    await blockAddress(
      tx,
      { orgId: recipient.orgId, email: recipient.email, reason: classification.reason, statusCode, at: ctx.clock.now(), permanent, ...bounce },
      ctx,
    );
    ctx.log.info(
      { event: 'bounce.recorded', source: report.source, message_id: recipient.messageId, recipient_id: recipient.recipientId, status_code: statusCode, permanent },
      'late bounce recorded',
    );
    return 'bounced' as const;
  });
}
