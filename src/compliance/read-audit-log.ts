import type { Context, Principal } from '../context.js';
import { findOrg } from '../orgs/org-repository.js';
import { listAudit, type AuditPage, type AuditQuery } from './audit-log.js';
import { requireAdmin } from './require-admin.js';

/** `GET /settings/audit_log`: the org's audit trail, for Administrators (ADMIN_ONLY otherwise). */
export async function readAuditLog(ctx: Context, principal: Principal, query: AuditQuery): Promise<AuditPage> {
  await requireAdmin(ctx, principal);
  const org = await findOrg(ctx.db, principal.orgId);
  return listAudit(ctx.db, principal.orgId, principal.timeZone ?? org?.time_zone ?? 'UTC', query);
}
