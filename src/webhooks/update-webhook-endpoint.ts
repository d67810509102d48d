import { recordAudit } from '../compliance/audit-log.js';
import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { inTransaction } from '../db/database.js';
import { DISABLED_BY_ADMIN } from './create-webhook-endpoint.js';
import { updateEndpoint, type EndpointChange, type WebhookEndpointRow } from './endpoint-repository.js';
import type { WebhookEventType } from './event-types.js';
import { requireEndpoint } from './get-webhook-endpoint.js';
import { checkDescription, checkEventTypes, checkWebhookUrl, privateWebhookHostsAllowed, type WebhookEndpointInput } from './webhook-endpoint-rules.js';

/**
 * `PUT /settings/webhooks/{id}` (beyond Zoho), `mailroom webhook update`, the web UI: an
 * Administrator changes any of url, description, event types (the subscriptions are rewritten)
 * and enabled. Enabling clears the disabled reason and the failing streak, so the sender starts
 * afresh; disabling (reason "Disabled by an administrator") fails the endpoint's pending
 * deliveries, as the sender does when it disables an endpoint ("send again" brings one back once
 * enabled). Every key is checked before anything is written; the change is audited (`webhook.changed`).
 */
export async function updateWebhookEndpoint(ctx: Context, principal: Principal, id: string, read: () => WebhookEndpointInput): Promise<WebhookEndpointRow> {
  await requireAdmin(ctx, principal);
  const current = await requireEndpoint(ctx, principal, id);
  const input = read();
  const now = ctx.clock.now();
  const change: { -readonly [K in keyof EndpointChange]: EndpointChange[K] } = { updated_at: now };
  let eventTypes: WebhookEventType[] | undefined;
  if (input.url !== undefined) change.url = checkWebhookUrl(input.url, privateWebhookHostsAllowed(ctx.config));
  if (input.events !== undefined) {
    const events = checkEventTypes(input.events);
    change.event_types = JSON.stringify(events.given);
    eventTypes = events.types;
  }
  if (input.description !== undefined) change.description = checkDescription(input.description);
  let failPending: { reason: string; now: number } | undefined;
  if (input.enabled === true && current.enabled !== 1) {
    Object.assign(change, { enabled: 1, disabled_reason: null, disabled_at: null, failing_since: null });
  } else if (input.enabled === false && current.enabled === 1) {
    Object.assign(change, { enabled: 0, disabled_reason: DISABLED_BY_ADMIN, disabled_at: now });
    failPending = { reason: `endpoint disabled: ${DISABLED_BY_ADMIN.toLowerCase()}`, now };
  }
  const updated = await inTransaction(ctx.db, async (tx) => {
    const row = await updateEndpoint(tx, principal.orgId, current.id, change, { ...(eventTypes ? { eventTypes } : {}), ...(failPending ? { failPending } : {}) });
    if (!row) return undefined;
    const { updated_at: _at, secret: _secret, ...changed } = change;
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'webhook.changed',
      reason: `webhook endpoint ${current.id} changed`,
      details: { id: current.id, ...changed, ...(changed.event_types !== undefined ? { event_types: JSON.parse(changed.event_types) as unknown } : {}) },
    });
    return row;
  });
  ctx.cache.webhookSubscriptions.invalidate(principal.orgId);
  return updated ?? (await requireEndpoint(ctx, principal, id));
}
