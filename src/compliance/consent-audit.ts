import type { Context, Principal } from '../context.js';
import type { Database } from '../db/database.js';
import type { RecordData } from '../records/record-repository.js';
import { recordAudit } from './audit-log.js';

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Writes a Records API change of a record's consent details or opt-out to the audit trail (with
 * the values before and after); nothing when neither changed.
 */
export async function auditConsentChanges(
  ctx: Context,
  db: Database,
  principal: Principal,
  target: { module: string; recordId: string },
  before: RecordData | null,
  after: RecordData,
): Promise<void> {
  const entries: [string, 'consent.changed' | 'opt_out.changed'][] = [
    ['Data_Processing_Basis_Details', 'consent.changed'],
    ['Email_Opt_Out', 'opt_out.changed'],
  ];
  for (const [field, action] of entries) {
    const old = before?.[field] ?? null;
    const now = after[field] ?? null;
    if (same(old, now) || (before === null && (now === null || now === false))) continue;
    await recordAudit(ctx, db, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action,
      module: target.module,
      recordId: target.recordId,
      reason: `${field} changed through the Records API`,
      details: { field, before: old, after: now },
    });
  }
}
