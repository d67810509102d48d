import type { Context } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { AUDITED_REFUSALS, recordAudit } from '../compliance/audit-log.js';
import { hasPermission } from '../compliance/permissions.js';
import type { MailRow } from '../mail/mail-repository.js';
import { firstRefusal, recordMailFacts } from '../mail/record-checks.js';
import { editionMailsFrom } from '../limits/edition-features.js';
import { findOrg } from '../orgs/org-repository.js';
import { resolveModule } from '../records/module-registry.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { findUserById } from '../users/user-repository.js';

/**
 * Re-checks when a mail is claimed (docs/reliability.md P10): what was true at acceptance may not be
 * any more, for a scheduled mail or a retry hours later. A mail that may no longer go ends
 * `skipped` with the reason; it is never sent. The sender's Send Email permission and the org's
 * edition (a downgrade may have taken the record's module away) are checked again too. Opt-out,
 * consent (withdrawn or pending) and record locks are compliance refusals and are also written to
 * the audit trail. (Blocked addresses are re-checked per recipient in deliver-mail.)
 */
const REASONS: Partial<Record<ErrorCode, string>> = {
  EMAIL_OPT_OUT: 'the record opted out of email after the mail was accepted',
  CONSENT_WITHDRAWN: 'the person withdrew their consent to email (GDPR): they opted to stop the email communication',
  CONSENT_NOT_GIVEN: 'the record has not consented to receive email (GDPR) any more',
  RECORD_HAS_NO_EMAIL: 'the record no longer has an email address',
  DEAL_CONTACT_HAS_NO_EMAIL: "the deal's contact no longer has an email address",
  RECORD_LOCKED: 'the record was locked after the mail was accepted',
};


export async function fireTimeRefusal(ctx: Context, mail: MailRow): Promise<string | null> {
  const module = await resolveModule(ctx.db, mail.org_id, mail.module);
  const record = module ? await findRecord(ctx.db, mail.org_id, module.apiName, mail.record_id) : undefined;
  if (!module || !record) return 'the record was deleted after the mail was accepted';
  const org = await findOrg(ctx.db, mail.org_id);
  if (org && !editionMailsFrom(org.edition, module)) return `the org's edition (${org.edition}) no longer includes mail from ${module.apiName}`;
  const sender = await findUserById(ctx.db, mail.org_id, mail.user_id);
  // The sender's profile may have lost the Send Email permission since (docs/zoho-contract.md §3.3 step 4).
  if (sender && !(await hasPermission(ctx.db, mail.org_id, sender.profile, 'send_email'))) {
    return "the sender's profile no longer has the Send Email permission";
  }
  const facts = await recordMailFacts(ctx.db, mail.org_id, module, parseData(record), {
    recordId: record.id,
    senderProfile: sender?.profile ?? 'standard',
    privacyOn: org?.privacy_settings === 1,
  });
  const refusal = firstRefusal(facts, mail.consent_email === 1);
  if (!refusal) return null;
  const reason = REASONS[refusal.code] ?? refusal.message;
  if (AUDITED_REFUSALS.has(refusal.code)) {
    await recordAudit(ctx, ctx.db, {
      orgId: mail.org_id,
      actor: { type: 'system', id: null },
      action: 'send_mail.skipped',
      module: module.apiName,
      recordId: record.id,
      reason,
      details: { message_id: mail.message_id, code: refusal.code, sender_id: mail.user_id },
    });
  }
  return reason;
}
