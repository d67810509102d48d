import type { Context } from '../context.js';
import type { ErrorCode } from '../errors.js';
import type { MailRow } from '../mail/mail-repository.js';
import { recordMailFacts } from '../mail/record-checks.js';
import { resolveModule } from '../records/module-registry.js';
import { findRecord, parseData } from '../records/record-repository.js';

/**
 * Re-checks when a mail is claimed (reliability.md P10): what was true at acceptance may not be
 * any more, for a scheduled mail or a retry hours later. A mail that may no longer go ends
 * `skipped` with the reason; it is never sent. (Blocked addresses are re-checked per recipient in
 * deliver-mail.)
 */
const REASONS: Partial<Record<ErrorCode, string>> = {
  EMAIL_OPT_OUT: 'the record opted out of email after the mail was accepted',
  RECORD_HAS_NO_EMAIL: 'the record no longer has an email address',
  DEAL_CONTACT_HAS_NO_EMAIL: "the deal's contact no longer has an email address",
};

export async function fireTimeRefusal(ctx: Context, mail: MailRow): Promise<string | null> {
  const module = await resolveModule(ctx.db, mail.org_id, mail.module);
  const record = module ? await findRecord(ctx.db, mail.org_id, module.apiName, mail.record_id) : undefined;
  if (!module || !record) return 'the record was deleted after the mail was accepted';
  const facts = await recordMailFacts(ctx.db, mail.org_id, module, parseData(record));
  if (facts.refusal) return REASONS[facts.refusal.code] ?? facts.refusal.message;
  return null;
}
