import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { listEndpoints, type WebhookEndpointRow } from './endpoint-repository.js';

/** `GET /settings/webhooks` (beyond Zoho): the org's endpoints, oldest first, never their secrets. Administrators only. */
export async function listWebhookEndpoints(ctx: Context, principal: Principal): Promise<WebhookEndpointRow[]> {
  await requireAdmin(ctx, principal);
  return listEndpoints(ctx.db, principal.orgId);
}
