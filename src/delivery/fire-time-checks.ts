import type { Context } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { AUDITED_REFUSALS, recordAudit } from '../compliance/audit-log.js';
import { hasPermission } from '../compliance/permissions.js';
import type { MailRow } from '../mail/mail-repository.js';
import { firstRefusal, recordMailFacts } from '../mail/record-checks.js';
import { editionMailsFrom } from '../limits/edition-features.js';
import { findOrg, type OrgRow } from '../orgs/org-repository.js';
import { resolveModule } from '../records/module-registry.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData } from '../records/record-repository.js';
import { findUserById } from '../users/user-repository.js';
import type { Profile, UserSmtpSettingsTable } from '../db/schema.js';
import { findUserSmtp } from '../mail/from-addresses.js';
import { findLock } from '../compliance/record-lock-repository.js';
import { listDkimKeys } from '../dkim/dkim-key-repository.js';
import { findBlocked } from '../mail/blocked-address-repository.js';
import { filesOfMails, type CarriedFile } from '../mail/mail-attachment-repository.js';
import { findDeliveryFacts, type DeliveryDkimKey } from './delivery-facts-repository.js';

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


/**
 * Everything a delivery attempt reads besides the mail and its recipients: what the fire-time
 * checks need, and the org's one-click, privacy and tracking settings and DKIM keys the message
 * is built and signed with. One statement (delivery-facts-repository.ts); read once per attempt,
 * so a change of any of them applies from the next attempt on, as before.
 */
export type DeliveryFacts = {
  /** The mail's module (undefined: a custom module deleted since). */
  module: ModuleDefinition | undefined;
  /** The module name the record was looked up in (module.apiName, or the mail's own when the module is gone). */
  recordModule: string;
  org: Pick<OrgRow, 'edition' | 'privacy_settings' | 'one_click_unsubscribe' | 'email_tracking'> | undefined;
  record: { id: string; data: string } | undefined;
  sender: { profile: Profile } | undefined;
  /** Whether the sender's profile has Send Email (meaningful when there is a sender). */
  senderMaySend: boolean;
  locked: boolean;
  /** The org's DKIM keys of the From address's domain, by age. */
  dkimKeys: readonly DeliveryDkimKey[];
  /** The files the mail carries (their rows; deliver-mail loads the bytes), by position. */
  files: readonly CarriedFile[];
  /** Which of the addresses about to be tried are blocked for the org (lower-case). */
  blockedEmails: readonly string[];
  /** The sender's own SMTP server settings, which decide the route (transports.ts). */
  userSmtp: UserSmtpSettingsTable | undefined;
};

/** `emails`: the addresses the attempt is about to try (whether the org has blocked them is read too). */
export async function loadDeliveryFacts(ctx: Pick<Context, 'db'>, mail: MailRow, emails: readonly string[]): Promise<DeliveryFacts> {
  const module = await resolveModule(ctx.db, mail.org_id, mail.module);
  const recordModule = module?.apiName ?? mail.module;
  const fromDomain = mail.from_email.slice(mail.from_email.lastIndexOf('@') + 1).toLowerCase();
  const row = await findDeliveryFacts(ctx.db, { orgId: mail.org_id, messageId: mail.message_id, module: recordModule, recordId: mail.record_id, userId: mail.user_id, fromDomain, emails });
  if (row) {
    return {
      module,
      recordModule,
      org: row,
      record: row.record_data === null ? undefined : { id: mail.record_id, data: row.record_data },
      sender: row.sender_profile === null ? undefined : { profile: row.sender_profile },
      senderMaySend: row.send_email_enabled === null || row.send_email_enabled === 1,
      locked: row.lock_id !== null,
      dkimKeys: row.dkim_keys,
      files: row.files,
      blockedEmails: row.blocked_emails,
      userSmtp: row.user_smtp ?? undefined,
    };
  }
  // The org row is gone (nothing in Mailroom deletes one while its mails exist): the same facts
  // read one by one, so the checks below decide exactly as they always did.
  const record = await findRecord(ctx.db, mail.org_id, recordModule, mail.record_id);
  const sender = await findUserById(ctx.db, mail.org_id, mail.user_id);
  return {
    module,
    recordModule,
    org: await findOrg(ctx.db, mail.org_id),
    record,
    sender,
    senderMaySend: sender ? await hasPermission(ctx.db, mail.org_id, sender.profile, 'send_email') : true,
    locked: (await findLock(ctx.db, mail.org_id, mail.record_id)) !== undefined,
    dkimKeys: await listDkimKeys(ctx.db, mail.org_id, fromDomain),
    files: await filesOfMails(ctx.db, [mail.message_id]),
    blockedEmails: (await findBlocked(ctx.db, mail.org_id, emails)).map((b) => b.email),
    userSmtp: await findUserSmtp(ctx.db, mail.org_id, mail.user_id),
  };
}

export async function fireTimeRefusal(ctx: Context, mail: MailRow, loaded: DeliveryFacts): Promise<string | null> {
  const { module, record, org, sender } = loaded;
  if (!module || !record) return 'the record was deleted after the mail was accepted';
  if (org && !editionMailsFrom(org.edition, module)) return `the org's edition (${org.edition}) no longer includes mail from ${module.apiName}`;
  // The sender's profile may have lost the Send Email permission since (docs/zoho-contract.md §3.3 step 4).
  if (sender && !loaded.senderMaySend) {
    return "the sender's profile no longer has the Send Email permission";
  }
  const facts = await recordMailFacts(ctx.db, mail.org_id, module, parseData(record), {
    recordId: record.id,
    senderProfile: sender?.profile ?? 'standard',
    privacyOn: org?.privacy_settings === 1,
    locked: loaded.locked,
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
