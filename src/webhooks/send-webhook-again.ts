import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { markMessageDueAgain, type WebhookMessageRow } from './endpoint-repository.js';
import { requireEndpoint } from './get-webhook-endpoint.js';
import { requireDelivery } from './get-webhook-delivery.js';

/**
 * `POST /settings/webhooks/{id}/deliveries/{event_id}/actions/send_again` (beyond Zoho), `mailroom
 * webhook send-again`, the web UI's "Send again": the delivery becomes `pending` and due now, with
 * the same body and `webhook-id` (receivers deduplicate on it), whatever its state. Refused while
 * the endpoint is disabled (WEBHOOK_DISABLED: enable it first). Administrators only.
 */
export async function sendWebhookAgain(ctx: Context, principal: Principal, endpointId: string, eventId: string): Promise<WebhookMessageRow> {
  await requireAdmin(ctx, principal);
  const endpoint = await requireEndpoint(ctx, principal, endpointId);
  const delivery = await requireDelivery(ctx, principal, endpoint.id, eventId);
  const disabled = () => new AppError('WEBHOOK_DISABLED', { details: { id: endpoint.id, disabled_reason: endpoint.disabled_reason } });
  if (endpoint.enabled !== 1) throw disabled();
  // The statement checks the endpoint is still enabled: a disable racing this click wins.
  const again = await markMessageDueAgain(ctx.db, principal.orgId, endpoint.id, delivery.event_id, ctx.clock.now());
  if (!again) throw disabled();
  // A sender in this process goes at once; others find it at their next poll (WEBHOOK_POLL_MS).
  ctx.wakeup.notifyLocal();
  return again;
}
