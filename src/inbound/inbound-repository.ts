import type { Database } from '../db/database.js';
import type { InboundMessageTable } from '../db/schema.js';

/** The `inbound_messages` table: what the inbound SMTP listener accepted, and its processing. */

export type NewInboundMessage = Omit<InboundMessageTable, 'state' | 'kind' | 'org_id' | 'summary' | 'attempts' | 'lease_until' | 'processed_at'>;

/** Stores one accepted message as `pending` (its own transaction: it must be durable before the 250). */
export async function insertInboundMessage(db: Database, message: NewInboundMessage): Promise<void> {
  await db
    .insertInto('inbound_messages')
    .values({ ...message, state: 'pending', kind: null, org_id: null, summary: null, attempts: 0, lease_until: null, processed_at: null })
    .execute();
}

/**
 * Leases up to `limit` pending messages whose lease is free (never taken, or its process died):
 * compare-and-set per row, so two listeners never process the same message at once (processing is
 * idempotent anyway: a message processed twice changes nothing the second time).
 */
export async function leasePendingInbound(db: Database, now: number, leaseMs: number, limit: number): Promise<InboundMessageTable[]> {
  const candidates = await db
    .selectFrom('inbound_messages')
    .select(['id', 'attempts'])
    .where('state', '=', 'pending')
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('received_at')
    .limit(limit)
    .execute();
  const leased: InboundMessageTable[] = [];
  for (const candidate of candidates) {
    const row = await db
      .updateTable('inbound_messages')
      .set({ lease_until: now + leaseMs, attempts: candidate.attempts + 1 })
      .where('id', '=', candidate.id)
      .where('state', '=', 'pending')
      .where('attempts', '=', candidate.attempts)
      .returningAll()
      .executeTakeFirst();
    if (row) leased.push({ ...row, raw: Buffer.from(row.raw) });
  }
  return leased;
}

/** Records what processing found; the message leaves the pending set. */
export async function finishInboundMessage(
  db: Database,
  id: string,
  result: { state: 'processed' | 'ignored'; kind: string; orgId: string | null; summary: unknown; now: number },
): Promise<void> {
  await db
    .updateTable('inbound_messages')
    .set({ state: result.state, kind: result.kind, org_id: result.orgId, summary: JSON.stringify(result.summary), processed_at: result.now, lease_until: null })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

export type InboundListItem = Omit<InboundMessageTable, 'raw'>;

/** The newest messages first (admins' view: `mailroom inbound list`). */
export async function listInboundMessages(db: Database, options: { orgId?: string | null; states?: readonly InboundMessageTable['state'][]; limit: number }): Promise<InboundListItem[]> {
  let query = db
    .selectFrom('inbound_messages')
    .select(['id', 'received_at', 'remote_address', 'helo', 'mail_from', 'rcpt_to', 'size', 'state', 'kind', 'org_id', 'summary', 'attempts', 'lease_until', 'processed_at'])
    .orderBy('received_at', 'desc')
    .limit(options.limit);
  if (options.orgId !== undefined) query = options.orgId === null ? query.where('org_id', 'is', null) : query.where('org_id', '=', options.orgId);
  if (options.states) query = query.where('state', 'in', [...options.states]);
  return query.execute();
}

export async function getInboundMessage(db: Database, id: string): Promise<InboundMessageTable | undefined> {
  const row = await db.selectFrom('inbound_messages').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? { ...row, raw: Buffer.from(row.raw) } : undefined;
}
