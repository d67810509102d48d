import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findEndpointMessage, listMessageAttempts, type WebhookAttemptRow, type WebhookMessageRow } from './endpoint-repository.js';
import { requireEndpoint } from './get-webhook-endpoint.js';

export type WebhookDelivery = Readonly<{ delivery: WebhookMessageRow; attempts: WebhookAttemptRow[] }>;

/** The endpoint's delivery of event `eventId`, or NOT_FOUND (also for another org's). */
export async function requireDelivery(ctx: Context, principal: Principal, endpointId: string, eventId: string): Promise<WebhookMessageRow> {
  const endpoint = await requireEndpoint(ctx, principal, endpointId);
  const delivery = eventId.length <= 100 ? await findEndpointMessage(ctx.db, principal.orgId, endpoint.id, eventId) : undefined;
  if (!delivery) throw new AppError('NOT_FOUND', { details: { api_name: 'event_id', id: eventId } });
  return delivery;
}

/** `GET /settings/webhooks/{id}/deliveries/{event_id}` (beyond Zoho): one delivery with its payload and every attempt. Administrators only. */
export async function getWebhookDelivery(ctx: Context, principal: Principal, endpointId: string, eventId: string): Promise<WebhookDelivery> {
  await requireAdmin(ctx, principal);
  const delivery = await requireDelivery(ctx, principal, endpointId, eventId);
  return { delivery, attempts: await listMessageAttempts(ctx.db, delivery.endpoint_id, delivery.event_id) };
}
