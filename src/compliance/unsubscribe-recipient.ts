import type { Context } from '../context.js';
import { inTransaction } from '../db/database.js';
import { listModules } from '../records/module-registry.js';
import { parseData, updateRecordRow } from '../records/record-repository.js';
import { recordAudit } from './audit-log.js';
import { findRecordsMentioningAddress } from './unsubscribe-repository.js';
import { resolveUnsubscribeToken } from './view-unsubscribe.js';

/**
 * `POST /unsubscribe/<token>` (RFC 8058 one-click, or the unsubscribe page's button): the address
 * the token names opts out of the org's mail.
 *
 * - The token is the authority (a provider's POST carries no cookie, so no CSRF token is
 *   possible): it verifies (HMAC under a key derived from SECRETS_KEY) and names one recipient of
 *   one mail; anything else is `not_found` and changes nothing.
 * - Every record of that mail's org, in a module with `Email_Opt_Out` (Leads, Contacts, Vendors,
 *   custom modules), whose email fields hold the address (case-insensitive) gets
 *   `Email_Opt_Out: true`, `Unsubscribed_Mode: "Unsubscribe link"`, `Unsubscribed_Time` now; each
 *   change is audited (`opt_out.changed`, reason `one_click_unsubscribe`, the data subject as
 *   actor). Other orgs' records are never read.
 * - Idempotent: a record already opted out is left as it is and audited no more, so a replayed
 *   POST changes nothing. It works whatever the org's setting is now: a link that went out is
 *   honoured.
 */
export const ONE_CLICK_REASON = 'one_click_unsubscribe';
export const UNSUBSCRIBED_MODE = 'Unsubscribe link';

export type UnsubscribeOutcome = { kind: 'done'; orgName: string; email: string; optedOut: number } | { kind: 'not_found' };

export async function unsubscribeRecipient(ctx: Context, token: string): Promise<UnsubscribeOutcome> {
  const target = await resolveUnsubscribeToken(ctx, token);
  if (!target) return { kind: 'not_found' };
  const address = target.email.toLowerCase();
  const modules = (await listModules(ctx.db, target.orgId))
    .filter((m) => m.fields.some((f) => f.apiName === 'Email_Opt_Out'))
    .map((m) => ({ apiName: m.apiName, emailFields: m.fields.filter((f) => f.type === 'email').map((f) => f.apiName) }));
  const emailFieldsOf = new Map(modules.map((m) => [m.apiName, m.emailFields]));
  const now = ctx.clock.now();
  const optedOut = await inTransaction(ctx.db, async (tx) => {
    // Read inside the transaction: the opt-out is applied to the records as they are now.
    const candidates = await findRecordsMentioningAddress(tx, target.orgId, modules.map((m) => m.apiName), address);
    let changed = 0;
    for (const record of candidates) {
      const data = parseData(record);
      const holds = (emailFieldsOf.get(record.module) ?? []).some((field) => typeof data[field] === 'string' && (data[field] as string).toLowerCase() === address);
      if (!holds || data.Email_Opt_Out === true) continue;
      const before = data.Email_Opt_Out ?? null;
      data.Email_Opt_Out = true;
      data.Unsubscribed_Mode = UNSUBSCRIBED_MODE;
      data.Unsubscribed_Time = now;
      await updateRecordRow(tx, target.orgId, record.id, { data: JSON.stringify(data), modified_at: now });
      await recordAudit(ctx, tx, {
        orgId: target.orgId,
        actor: { type: 'data_subject', id: target.email },
        action: 'opt_out.changed',
        module: record.module,
        recordId: record.id,
        reason: ONE_CLICK_REASON,
        details: { field: 'Email_Opt_Out', before, after: true, message_id: target.messageId, recipient_id: target.recipientId },
      });
      changed += 1;
    }
    return changed;
  });
  if (optedOut > 0) ctx.log.info({ event: 'unsubscribe.opted_out', message_id: target.messageId, records: optedOut }, 'one-click unsubscribe');
  return { kind: 'done', orgName: target.orgName, email: target.email, optedOut };
}
