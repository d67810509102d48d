import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { deleteEndpoint } from './endpoint-repository.js';
import { isEndpointId } from './webhook-endpoint-rules.js';

/**
 * `DELETE /settings/webhooks/{id}` (beyond Zoho), `mailroom webhook delete`, the web UI: the
 * endpoint, its subscriptions and its delivery log go in one transaction; its pending deliveries
 * are never sent. Administrators only.
 */
export async function deleteWebhookEndpoint(ctx: Context, principal: Principal, id: string): Promise<{ id: string }> {
  await requireAdmin(ctx, principal);
  if (!isEndpointId(id) || !(await deleteEndpoint(ctx.db, principal.orgId, id))) throw new AppError('NOT_FOUND', { details: { api_name: 'id', id } });
  return { id };
}
