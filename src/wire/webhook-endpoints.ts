import { AppError } from '../errors.js';
import type { WebhookAttemptRow, WebhookEndpointRow, WebhookMessageRow } from '../webhooks/endpoint-repository.js';
import type { DeliveriesPage } from '../webhooks/list-webhook-deliveries.js';
import { storedEventTypes, type WebhookEndpointInput } from '../webhooks/webhook-endpoint-rules.js';
import { formatZohoDateTime } from '../time.js';
import { idText } from './json-ids.js';

/**
 * Webhook endpoints on the wire (beyond Zoho; README "Webhooks"), in the shapes of Zoho's
 * settings APIs: `{"webhooks": [{…}]}` to read, `{"webhooks": [{"code": "SUCCESS", …}]}` after a
 * write. Times are in the caller's time zone; a secret appears only in the answers of create
 * and rotate_secret.
 */

const invalidKey = (key: string, expected: string): AppError =>
  new AppError('INVALID_DATA', { details: { api_name: key, json_path: `$.webhooks[0].${key}`, expected_data_type: expected } });

/**
 * `{"webhooks": [{"url": "https://…", "events": ["recipient.sent", …], "description": "…",
 * "enabled": true}]}`: exactly one item; each key, when present, of its type (INVALID_DATA naming
 * it otherwise). An `id` in the item (string or number) must be the URL's. What the values mean
 * is the use-case's to judge.
 */
export function readWebhookEndpointBody(body: unknown, urlId?: string): WebhookEndpointInput {
  const list = (body as { webhooks?: unknown } | undefined)?.webhooks;
  if (!Array.isArray(list) || list.length !== 1 || typeof list[0] !== 'object' || list[0] === null || Array.isArray(list[0])) {
    throw new AppError('INVALID_DATA', { details: { api_name: 'webhooks', json_path: '$.webhooks', expected_data_type: 'jsonarray', maximum_length: 1 } });
  }
  const item = list[0] as Record<string, unknown>;
  const input: { url?: string; description?: string | null; events?: string[]; enabled?: boolean } = {};
  if ('id' in item && (urlId === undefined || idText(item.id) !== urlId)) {
    const reason = urlId === undefined ? 'Mailroom gives a new endpoint its id' : 'the id must be the one in the URL';
    throw new AppError('INVALID_DATA', { details: { api_name: 'id', json_path: '$.webhooks[0].id', reason } });
  }
  if ('url' in item) {
    if (typeof item.url !== 'string') throw invalidKey('url', 'string');
    input.url = item.url;
  }
  if ('events' in item) {
    if (!Array.isArray(item.events) || !item.events.every((e): e is string => typeof e === 'string')) throw invalidKey('events', 'jsonarray of strings');
    input.events = item.events;
  }
  if ('description' in item) {
    if (item.description !== null && typeof item.description !== 'string') throw invalidKey('description', 'string');
    input.description = item.description;
  }
  if ('enabled' in item) {
    if (typeof item.enabled !== 'boolean') throw invalidKey('enabled', 'boolean');
    input.enabled = item.enabled;
  }
  return input;
}

const timeIn = (timeZone: string) => (ms: number | null) => (ms === null ? null : formatZohoDateTime(ms, timeZone));

/** One endpoint as `GET /settings/webhooks[/{id}]` shows it (never its secret). */
export function webhookEndpointJson(endpoint: WebhookEndpointRow, timeZone: string): Record<string, unknown> {
  const time = timeIn(timeZone);
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    events: storedEventTypes(endpoint.event_types),
    enabled: endpoint.enabled === 1,
    disabled_reason: endpoint.disabled_reason,
    disabled_time: time(endpoint.disabled_at),
    failing_since: time(endpoint.failing_since),
    last_success_time: time(endpoint.last_success_at),
    created_by: endpoint.created_by === null ? null : { id: endpoint.created_by },
    created_time: time(endpoint.created_at),
    modified_time: time(endpoint.updated_at),
  };
}

/** A write's answer: `{"webhooks": [{"code": "SUCCESS", "details": {…}, "message": "webhook <done> successfully", "status": "success"}]}`. */
export function webhookWriteJson(details: Record<string, unknown>, done: 'created' | 'updated' | 'deleted' | 'secret rotated'): Record<string, unknown> {
  const message = done === 'secret rotated' ? 'webhook secret rotated successfully' : `webhook ${done} successfully`;
  return { webhooks: [{ code: 'SUCCESS', details, message, status: 'success' }] };
}

/** One delivery (an event for this endpoint) in the log. */
export function webhookDeliveryJson(delivery: WebhookMessageRow, timeZone: string): Record<string, unknown> {
  const time = timeIn(timeZone);
  return {
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    state: delivery.state,
    attempts: delivery.attempts,
    last_status: delivery.last_status,
    last_error: delivery.last_error,
    occurred_time: time(delivery.occurred_at),
    created_time: time(delivery.created_at),
    last_attempt_time: time(delivery.last_attempt_at),
    next_attempt_time: delivery.state === 'pending' ? time(delivery.due_at) : null,
    delivered_time: time(delivery.delivered_at),
    possible_duplicate: delivery.possible_duplicate === 1,
  };
}

/** `GET …/deliveries`: one page with Zoho's cursor paging (`info.next_index`, as the Emails list). */
export function webhookDeliveriesPageJson(page: DeliveriesPage, timeZone: string, index: string | undefined): Record<string, unknown> {
  return {
    deliveries: page.deliveries.map((d) => webhookDeliveryJson(d, timeZone)),
    info: { per_page: page.perPage, count: page.deliveries.length, more_records: page.nextIndex !== null, next_index: page.nextIndex, prev_index: index ?? '0' },
  };
}

/** `GET …/deliveries/{event_id}`: the delivery, its exact body and every attempt. */
export function webhookDeliveryDetailJson(delivery: WebhookMessageRow, attempts: readonly WebhookAttemptRow[], timeZone: string): Record<string, unknown> {
  const time = timeIn(timeZone);
  let payload: unknown;
  try {
    payload = JSON.parse(delivery.payload);
  } catch {
    payload = delivery.payload;
  }
  return {
    ...webhookDeliveryJson(delivery, timeZone),
    payload,
    attempt_log: attempts.map((a) => ({ attempt: a.attempt, time: time(a.at), status_code: a.status_code, error: a.error, duration_ms: a.duration_ms })),
  };
}
