import type { Database } from '../db/database.js';
import type { BlockedAddressRow } from '../mail/blocked-address-repository.js';
import type { ReplyRow } from '../replies/reply-repository.js';

/**
 * Reads for the record page's timeline (src/ui/timeline.ts): what the Emails list does not carry
 * (when a mail was accepted or cancelled, each recipient's id and attempt count), the replies to
 * the mails shown, the opt-outs audited on the record, and the blocks of the recipients'
 * addresses. Read only; nothing here writes.
 */

export type TimelineMailRow = Readonly<{ message_id: string; created_at: number; updated_at: number; state: string; scheduled_at: number | null }>;

export async function mailTimesOf(db: Database, orgId: string, messageIds: readonly string[]): Promise<TimelineMailRow[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('mails')
    .select(['message_id', 'created_at', 'updated_at', 'state', 'scheduled_at'])
    .where('org_id', '=', orgId)
    .where('message_id', 'in', [...messageIds])
    .execute();
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at), updated_at: Number(r.updated_at), scheduled_at: r.scheduled_at === null ? null : Number(r.scheduled_at) }));
}

export type TimelineRecipientRow = Readonly<{ id: string; message_id: string; kind: string; email: string; attempts: number; last_attempt_at: number | null; bounced_at: number | null }>;

export async function recipientRowsOf(db: Database, messageIds: readonly string[]): Promise<TimelineRecipientRow[]> {
  if (messageIds.length === 0) return [];
  const rows = await db
    .selectFrom('mail_recipients')
    .select(['id', 'message_id', 'kind', 'email', 'attempts', 'last_attempt_at', 'bounced_at'])
    .where('message_id', 'in', [...messageIds])
    .orderBy('message_id')
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    ...r,
    attempts: Number(r.attempts),
    last_attempt_at: r.last_attempt_at === null ? null : Number(r.last_attempt_at),
    bounced_at: r.bounced_at === null || r.bounced_at === undefined ? null : Number(r.bounced_at),
  }));
}

/** Every reply received to these mails (oldest first), with its stored (sanitised) content. */
export async function repliesToMails(db: Database, orgId: string, messageIds: readonly string[]): Promise<ReplyRow[]> {
  if (messageIds.length === 0) return [];
  return db
    .selectFrom('mail_replies')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('message_id', 'in', [...messageIds])
    .orderBy('received_at')
    .orderBy('id')
    .execute();
}

export type OptOutRow = Readonly<{ at: number; reason: string; details: string }>;

/** The opt-outs audited on one record (`opt_out.changed`: a complaint, a one-click or mailto unsubscribe). */
export async function optOutsOfRecord(db: Database, orgId: string, module: string, recordId: string): Promise<OptOutRow[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['at', 'reason', 'details'])
    .where('org_id', '=', orgId)
    .where('action', '=', 'opt_out.changed')
    .where('module', '=', module)
    .where('record_id', '=', recordId)
    .orderBy('id')
    .limit(200)
    .execute();
  return rows.map((r) => ({ ...r, at: Number(r.at) }));
}

/** The block rows (blocked now) of these addresses. */
export async function blocksOf(db: Database, orgId: string, emails: readonly string[]): Promise<BlockedAddressRow[]> {
  if (emails.length === 0) return [];
  return db
    .selectFrom('blocked_addresses')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', [...new Set(emails.map((e) => e.toLowerCase()))])
    .where('is_blocked', '=', 1)
    .execute();
}
