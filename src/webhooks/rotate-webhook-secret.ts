import { recordAudit } from '../compliance/audit-log.js';
import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { inTransaction } from '../db/database.js';
import type { CreatedWebhookEndpoint } from './create-webhook-endpoint.js';
import { updateEndpoint } from './endpoint-repository.js';
import { requireEndpoint } from './get-webhook-endpoint.js';
import { newWebhookSecret } from './webhook-endpoint-rules.js';

/**
 * `POST /settings/webhooks/{id}/actions/rotate_secret` (beyond Zoho): a new signing secret,
 * answered once; every request from now on (retries of older events included) is signed with it.
 * Audited (`webhook.secret_rotated`; never the secret). Administrators only.
 */
export async function rotateWebhookSecret(ctx: Context, principal: Principal, id: string): Promise<CreatedWebhookEndpoint> {
  await requireAdmin(ctx, principal);
  const current = await requireEndpoint(ctx, principal, id);
  const secret = newWebhookSecret();
  const endpoint = await inTransaction(ctx.db, async (tx) => {
    const row = await updateEndpoint(tx, principal.orgId, current.id, { secret: ctx.secrets.seal(secret), updated_at: ctx.clock.now() });
    if (row) {
      await recordAudit(ctx, tx, {
        orgId: principal.orgId,
        actor: { type: 'user', id: principal.userId },
        action: 'webhook.secret_rotated',
        reason: `webhook endpoint ${current.id}: signing secret replaced`,
        details: { id: current.id },
      });
    }
    return row;
  });
  return { endpoint: endpoint ?? (await requireEndpoint(ctx, principal, id)), secret };
}
