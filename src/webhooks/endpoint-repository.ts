import type { Database } from '../db/database.js';
import { inTransaction } from '../db/database.js';
import type { WebhookEndpointTable } from '../db/schema.js';
import type { WebhookEventType } from './event-types.js';

/**
 * `webhook_endpoints` and `webhook_subscriptions` (migration 0016): an org's endpoints and the
 * event types each wants. The outbox (`webhook_messages`) is written by outbox-repository.ts.
 */
export type WebhookEndpointRow = WebhookEndpointTable;

/**
 * Inserts an endpoint and one subscription row per event type, in one transaction. `row.secret`
 * is the SecretBox ciphertext (`ctx.secrets.seal`) of the `whsec_…` secret, never the secret.
 */
export async function insertEndpoint(db: Database, row: WebhookEndpointRow, eventTypes: readonly WebhookEventType[]): Promise<void> {
  await inTransaction(db, async (tx) => {
    await tx.insertInto('webhook_endpoints').values(row).execute();
    if (eventTypes.length > 0) {
      await tx
        .insertInto('webhook_subscriptions')
        .values([...new Set(eventTypes)].map((event_type) => ({ endpoint_id: row.id, org_id: row.org_id, event_type })))
        .execute();
    }
  });
}
