import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findEndpoint, type WebhookEndpointRow } from './endpoint-repository.js';
import { isEndpointId } from './webhook-endpoint-rules.js';

/**
 * The org's endpoint `id`, or NOT_FOUND: an id of another org's endpoint answers exactly like an
 * id that does not exist. Callers have checked the caller is an Administrator.
 */
export async function requireEndpoint(ctx: Context, principal: Principal, id: string): Promise<WebhookEndpointRow> {
  const endpoint = isEndpointId(id) ? await findEndpoint(ctx.db, principal.orgId, id) : undefined;
  if (!endpoint) throw new AppError('NOT_FOUND', { details: { api_name: 'id', id } });
  return endpoint;
}

/** `GET /settings/webhooks/{id}` (beyond Zoho): one endpoint, never its secret. Administrators only. */
export async function getWebhookEndpoint(ctx: Context, principal: Principal, id: string): Promise<WebhookEndpointRow> {
  await requireAdmin(ctx, principal);
  return requireEndpoint(ctx, principal, id);
}
