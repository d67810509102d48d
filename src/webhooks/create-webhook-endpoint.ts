import { recordAudit } from '../compliance/audit-log.js';
import { requireAdmin } from '../compliance/require-admin.js';
import type { Context, Principal } from '../context.js';
import { inTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import { countEndpoints, insertEndpointRows, type WebhookEndpointRow } from './endpoint-repository.js';
import {
  checkDescription,
  checkEventTypes,
  checkWebhookUrl,
  MAX_WEBHOOK_ENDPOINTS,
  newWebhookSecret,
  privateWebhookHostsAllowed,
  type WebhookEndpointInput,
} from './webhook-endpoint-rules.js';

/** A new endpoint and its signing secret: the only answer, with rotate_secret, that shows the secret. */
export type CreatedWebhookEndpoint = Readonly<{ endpoint: WebhookEndpointRow; secret: string }>;

/**
 * `POST /settings/webhooks` (beyond Zoho), `mailroom webhook create`, the web UI: an Administrator
 * (ADMIN_ONLY otherwise, checked before `read` reads the request) adds an endpoint for the event
 * types given. At most MAX_WEBHOOK_ENDPOINTS per org (WEBHOOK_LIMIT_REACHED). The secret
 * (`whsec_…`) is stored sealed with SECRETS_KEY and answered once, here. Audited (`webhook.created`).
 */
export async function createWebhookEndpoint(ctx: Context, principal: Principal, read: () => WebhookEndpointInput): Promise<CreatedWebhookEndpoint> {
  await requireAdmin(ctx, principal);
  const input = read();
  const url = checkWebhookUrl(input.url, privateWebhookHostsAllowed(ctx.config));
  const events = checkEventTypes(input.events);
  const description = checkDescription(input.description);
  if ((await countEndpoints(ctx.db, principal.orgId)) >= MAX_WEBHOOK_ENDPOINTS) {
    throw new AppError('WEBHOOK_LIMIT_REACHED', { details: { maximum: MAX_WEBHOOK_ENDPOINTS } });
  }
  const secret = newWebhookSecret();
  const now = ctx.clock.now();
  const enabled = input.enabled !== false;
  const endpoint: WebhookEndpointRow = {
    id: ctx.ids.next(),
    org_id: principal.orgId,
    url,
    description,
    secret: ctx.secrets.seal(secret),
    event_types: JSON.stringify(events.given),
    enabled: enabled ? 1 : 0,
    disabled_reason: enabled ? null : DISABLED_BY_ADMIN,
    disabled_at: enabled ? null : now,
    failing_since: null,
    last_success_at: null,
    created_by: principal.userId,
    created_at: now,
    updated_at: now,
  };
  await inTransaction(ctx.db, async (tx) => {
    await insertEndpointRows(tx, endpoint, events.types);
    await recordAudit(ctx, tx, {
      orgId: principal.orgId,
      actor: { type: 'user', id: principal.userId },
      action: 'webhook.created',
      reason: `webhook endpoint ${endpoint.id} added`,
      details: { id: endpoint.id, url, events: events.given, enabled },
    });
  });
  ctx.cache.webhookSubscriptions.invalidate(principal.orgId);
  return { endpoint, secret };
}

/** The `disabled_reason` of an endpoint an Administrator switched off. */
export const DISABLED_BY_ADMIN = 'Disabled by an administrator';
