import { randomBytes } from 'node:crypto';
import type { WebhookMessageTable } from '../../src/db/schema.js';
import type { TestApp, TestOrg } from './test-app.js';

/**
 * A row of the webhook outbox (`webhook_messages`) as the engine leaves it, for tests of the
 * delivery log that need rows in given states. Its payload is `{"type", "timestamp", "data": {"n": <event id>}}`.
 * Answers the event id.
 */
export async function insertDelivery(app: TestApp, org: TestOrg, endpointId: string, fields: Partial<WebhookMessageTable> = {}): Promise<string> {
  const eventId = fields.event_id ?? `msg_${randomBytes(12).toString('hex')}`;
  const createdAt = fields.created_at ?? Date.now();
  const state = fields.state ?? 'pending';
  const failed = state === 'failed';
  await app.app.db
    .insertInto('webhook_messages')
    .values({
      event_id: eventId,
      endpoint_id: endpointId,
      org_id: org.orgId,
      event_type: 'recipient.sent',
      payload: JSON.stringify({ type: 'recipient.sent', timestamp: new Date(createdAt).toISOString(), data: { n: eventId } }),
      occurred_at: createdAt,
      created_at: createdAt,
      state,
      attempts: failed ? 2 : state === 'delivered' ? 1 : 0,
      due_at: state === 'pending' ? createdAt : null,
      lease_owner: null,
      lease_until: null,
      last_attempt_at: state === 'pending' ? null : createdAt + 1000,
      last_status: failed ? null : state === 'delivered' ? 204 : null,
      last_error: failed ? 'connect ECONNREFUSED' : null,
      delivered_at: state === 'delivered' ? createdAt + 1000 : null,
      possible_duplicate: 0,
      ...fields,
    })
    .execute();
  return eventId;
}
