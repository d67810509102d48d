import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import type { CreatedWebhookEndpoint } from './create-webhook-endpoint.js';
import { updateEndpoint } from './endpoint-repository.js';
import { requireEndpoint } from './get-webhook-endpoint.js';
import { newWebhookSecret } from './webhook-endpoint-rules.js';

/**
 * `POST /settings/webhooks/{id}/actions/rotate_secret` (beyond Zoho): a new signing secret,
 * answered once; every request from now on (retries of older events included) is signed with it.
 * Administrators only.
 */
export async function rotateWebhookSecret(ctx: Context, principal: Principal, id: string): Promise<CreatedWebhookEndpoint> {
  await requireAdmin(ctx, principal);
  const current = await requireEndpoint(ctx, principal, id);
  const secret = newWebhookSecret();
  const endpoint = await updateEndpoint(ctx.db, principal.orgId, current.id, { secret: ctx.secrets.seal(secret), updated_at: ctx.clock.now() });
  return { endpoint: endpoint ?? (await requireEndpoint(ctx, principal, id)), secret };
}
