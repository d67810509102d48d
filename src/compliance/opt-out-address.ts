import type { Context } from '../context.js';
import { inTransaction } from '../db/database.js';
import { listModules } from '../records/module-registry.js';
import { parseData, updateRecordRow } from '../records/record-repository.js';
import { recordAudit, type AuditEntry } from './audit-log.js';
import { findRecordsMentioningAddress } from './unsubscribe-repository.js';
import { emitWebhookEvents } from '../webhooks/outbox-repository.js';
import type { WebhookEvent } from '../webhooks/webhook-events.js';

export type OptOutInput = Readonly<{
  orgId: string;
  /** The address that opts out (any case). */
  email: string;
  /** The audit reason (`one_click_unsubscribe`, `complaint`). */
  reason: string;
  /** `Unsubscribed_Mode` written on the records. */
  mode: string;
  actor: AuditEntry['actor'];
  /** Added to each audit entry (the mail and recipient it came from). */
  details: Record<string, unknown>;
  /** The webhook events this opt-out reports, given how many records changed; written in its transaction. */
  events?: (changed: number) => readonly WebhookEvent[];
}>;

/**
 * An address opts out of an org's mail: every record of the org, in a module with
 * `Email_Opt_Out` (Leads, Contacts, Vendors, custom modules), whose email fields hold the address
 * (case-insensitive) gets `Email_Opt_Out: true`, `Unsubscribed_Mode`, `Unsubscribed_Time` now; each
 * change is audited (`opt_out.changed`). Idempotent: a record already opted out is left as it is
 * and audited no more. Other orgs' records are never read. Returns how many records changed.
 */
export async function optOutAddress(ctx: Context, input: OptOutInput): Promise<number> {
  const address = input.email.toLowerCase();
  const modules = (await listModules(ctx.db, input.orgId))
    .filter((m) => m.fields.some((f) => f.apiName === 'Email_Opt_Out'))
    .map((m) => ({ apiName: m.apiName, emailFields: m.fields.filter((f) => f.type === 'email').map((f) => f.apiName) }));
  const emailFieldsOf = new Map(modules.map((m) => [m.apiName, m.emailFields]));
  const now = ctx.clock.now();
  return inTransaction(ctx.db, async (tx) => {
    // Read inside the transaction: the opt-out is applied to the records as they are now.
    const candidates = await findRecordsMentioningAddress(tx, input.orgId, modules.map((m) => m.apiName), address);
    let changed = 0;
    for (const record of candidates) {
      const data = parseData(record);
      const holds = (emailFieldsOf.get(record.module) ?? []).some((field) => typeof data[field] === 'string' && (data[field] as string).toLowerCase() === address);
      if (!holds || data.Email_Opt_Out === true) continue;
      const before = data.Email_Opt_Out ?? null;
      data.Email_Opt_Out = true;
      data.Unsubscribed_Mode = input.mode;
      data.Unsubscribed_Time = now;
      await updateRecordRow(tx, input.orgId, record.id, { data: JSON.stringify(data), modified_at: now });
      await recordAudit(ctx, tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: 'opt_out.changed',
        module: record.module,
        recordId: record.id,
        reason: input.reason,
        details: { field: 'Email_Opt_Out', before, after: true, ...input.details },
      });
      changed += 1;
    }
    if (input.events) await emitWebhookEvents(tx, input.events(changed), now);
    return changed;
  });
}
