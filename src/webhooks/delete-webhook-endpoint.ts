import { recordAudit } from '../compliance/audit-log.js';
import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { inTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import { deleteEndpoint } from './endpoint-repository.js';
import { isEndpointId } from './webhook-endpoint-rules.js';

/**
 * `DELETE /settings/webhooks/{id}` (beyond Zoho), `mailroom webhook delete`, the web UI: the
 * endpoint, its subscriptions and its delivery log go in one transaction with its audit entry
 * (`webhook.deleted`); its pending deliveries are never sent. Administrators only.
 */
export async function deleteWebhookEndpoint(ctx: Context, principal: Principal, id: string): Promise<{ id: string }> {
  await requireAdmin(ctx, principal);
  const deleted =
    isEndpointId(id) &&
    (await inTransaction(ctx.db, async (tx) => {
      if (!(await deleteEndpoint(tx, principal.orgId, id))) return false;
      await recordAudit(ctx, tx, {
        orgId: principal.orgId,
        actor: { type: 'user', id: principal.userId },
        action: 'webhook.deleted',
        reason: `webhook endpoint ${id} deleted`,
        details: { id },
      });
      return true;
    }));
  ctx.cache.webhookSubscriptions.invalidate(principal.orgId);
  if (!deleted) throw new AppError('NOT_FOUND', { details: { api_name: 'id', id } });
  return { id };
}
