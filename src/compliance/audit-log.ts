import type { Context } from '../context.js';
import type { Database } from '../db/database.js';
import type { AuditActorType, AuditLogTable } from '../db/schema.js';
import type { ErrorCode } from '../errors.js';
import { formatZohoDateTime } from '../time.js';
import { insertAuditRow, listAuditRows } from './audit-log-repository.js';

/**
 * The compliance audit trail (issue 6 item 7): consent changes, locks and unlocks, blocks and
 * unblocks, permission changes and sends refused for compliance reasons. Append-only: nothing in
 * Mailroom updates or deletes a row.
 */
export type AuditAction =
  | 'consent.changed'
  | 'consent.form_answered'
  | 'opt_out.changed'
  | 'record.locked'
  | 'record.unlocked'
  | 'record_locking.configured'
  | 'email.blocked'
  | 'email.unblocked'
  | 'permission.changed'
  | 'privacy_settings.changed'
  | 'one_click_unsubscribe.changed'
  | 'email_tracking.changed'
  | 'webhook.created'
  | 'webhook.changed'
  | 'webhook.deleted'
  | 'webhook.secret_rotated'
  | 'send_mail.refused'
  | 'send_mail.skipped';

export type AuditEntry = {
  orgId: string;
  actor: { type: AuditActorType; id: string | null };
  action: AuditAction;
  module?: string | null;
  recordId?: string | null;
  reason: string;
  details?: Record<string, unknown>;
};

/** Longest reason kept; longer ones are cut (they are ours, never a client's unbounded text). */
const MAX_REASON = 500;

export async function recordAudit(ctx: Pick<Context, 'clock' | 'ids'>, db: Database, entry: AuditEntry): Promise<void> {
  await insertAuditRow(db, {
    id: ctx.ids.next(),
    org_id: entry.orgId,
    at: ctx.clock.now(),
    actor_type: entry.actor.type,
    actor_id: entry.actor.id,
    action: entry.action,
    module: entry.module ?? null,
    record_id: entry.recordId ?? null,
    reason: entry.reason.slice(0, MAX_REASON),
    details: JSON.stringify(entry.details ?? {}),
  });
}

export type AuditQuery = { page: number; perPage: number; action?: string; recordId?: string };

export type AuditPage = { entries: Record<string, unknown>[]; moreRecords: boolean };

/** Newest first, paged; `action` and `record_id` narrow the list. */
export async function listAudit(db: Database, orgId: string, timeZone: string, query: AuditQuery): Promise<AuditPage> {
  const rows = await listAuditRows(db, orgId, { action: query.action, recordId: query.recordId }, query.perPage + 1, (query.page - 1) * query.perPage);
  return { entries: rows.slice(0, query.perPage).map((r) => presentAudit(r, timeZone)), moreRecords: rows.length > query.perPage };
}

export function presentAudit(row: AuditLogTable, timeZone: string): Record<string, unknown> {
  return {
    id: row.id,
    time: formatZohoDateTime(Number(row.at), timeZone),
    actor: { type: row.actor_type, id: row.actor_id },
    action: row.action,
    module: row.module,
    record_id: row.record_id,
    reason: row.reason,
    details: JSON.parse(row.details) as unknown,
  };
}

/**
 * Refusals to send that are compliance decisions and go to the audit trail (issue 6 item 7), at
 * acceptance and when a scheduled mail fires.
 */
export const AUDITED_REFUSALS: ReadonlySet<ErrorCode> = new Set([
  'EMAIL_OPT_OUT',
  'CONSENT_NOT_GIVEN',
  'CONSENT_WITHDRAWN',
  'RECORD_LOCKED',
  'SEND_EMAIL_NOT_PERMITTED',
  'ACCOUNT_NOT_CONFIRMED',
  'EMAIL_NOT_CONFIRMED',
]);
