import type { Database } from '../db/database.js';
import type { AuditLogTable } from '../db/schema.js';

/** The compliance audit trail (`audit_log`): appended to, read newest first; never updated or deleted. */
export type AuditRow = AuditLogTable;

export async function insertAuditRow(db: Database, row: AuditRow): Promise<void> {
  await db.insertInto('audit_log').values(row).execute();
}

/** Newest first: `limit` rows from `offset`, narrowed by action and record when given. */
export async function listAuditRows(
  db: Database,
  orgId: string,
  filter: { action?: string; recordId?: string },
  limit: number,
  offset: number,
): Promise<AuditRow[]> {
  let q = db.selectFrom('audit_log').selectAll().where('org_id', '=', orgId);
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.recordId) q = q.where('record_id', '=', filter.recordId);
  return q.orderBy('id', 'desc').limit(limit).offset(offset).execute();
}
