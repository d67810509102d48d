import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { AppError } from '../errors.js';
import { findEndpointMessage, listEndpointMessages, type WebhookEndpointRow, type WebhookMessageRow, type WebhookMessageState } from './endpoint-repository.js';
import { requireEndpoint } from './get-webhook-endpoint.js';

export const DELIVERY_STATES: readonly WebhookMessageState[] = ['pending', 'delivered', 'failed'];
export const DELIVERIES_PAGE_SIZE = 50;

export type DeliveriesPage = Readonly<{
  endpoint: WebhookEndpointRow;
  deliveries: WebhookMessageRow[];
  perPage: number;
  /** The `index` of the next page (its first delivery's event id), or null on the last page. */
  nextIndex: string | null;
}>;

/**
 * `GET /settings/webhooks/{id}/deliveries[?state=&index=]` (beyond Zoho): the endpoint's
 * delivery log, newest first, DELIVERIES_PAGE_SIZE a page; `index` is `info.next_index` of the
 * previous page (an event id; `0` or none for the first page). Administrators only.
 */
export async function listWebhookDeliveries(
  ctx: Context,
  principal: Principal,
  endpointId: string,
  query: { state?: string; index?: string },
): Promise<DeliveriesPage> {
  await requireAdmin(ctx, principal);
  const endpoint = await requireEndpoint(ctx, principal, endpointId);
  const state = query.state === undefined || query.state === '' ? undefined : query.state;
  if (state !== undefined && !(DELIVERY_STATES as readonly string[]).includes(state)) {
    throw new AppError('INVALID_PARAMETER', { details: { param_name: 'state', supported_values: DELIVERY_STATES } });
  }
  let from: { createdAt: number; eventId: string } | undefined;
  if (query.index !== undefined && query.index !== '' && query.index !== '0') {
    const cursor = query.index.length <= 100 ? await findEndpointMessage(ctx.db, principal.orgId, endpoint.id, query.index) : undefined;
    if (!cursor) throw new AppError('INVALID_PARAMETER', { details: { param_name: 'index' } });
    from = { createdAt: cursor.created_at, eventId: cursor.event_id };
  }
  const rows = await listEndpointMessages(ctx.db, principal.orgId, endpoint.id, {
    ...(state ? { state: state as WebhookMessageState } : {}),
    ...(from ? { from } : {}),
    limit: DELIVERIES_PAGE_SIZE + 1,
  });
  return {
    endpoint,
    deliveries: rows.slice(0, DELIVERIES_PAGE_SIZE),
    perPage: DELIVERIES_PAGE_SIZE,
    nextIndex: rows.length > DELIVERIES_PAGE_SIZE ? rows[DELIVERIES_PAGE_SIZE]!.event_id : null,
  };
}
