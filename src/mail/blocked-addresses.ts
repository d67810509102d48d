import type { Context } from '../context.js';
import { recordAudit } from '../compliance/audit-log.js';
import type { Database } from '../db/database.js';
import type { BlockedAddressTable } from '../db/schema.js';

/**
 * Addresses of an org that bounced (5xx). A blocked address makes send_mail refuse or skip it
 * until `unblock_email` lifts the block, which Zoho allows five times per address.
 */
export const MAX_UNBLOCKS = 5;

export async function findBlocked(db: Database, orgId: string, emails: readonly string[]): Promise<BlockedAddressTable[]> {
  if (emails.length === 0) return [];
  return db
    .selectFrom('blocked_addresses')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', emails.map((e) => e.toLowerCase()))
    .where('is_blocked', '=', 1)
    .execute();
}

export async function findBlockRow(db: Database, orgId: string, email: string): Promise<BlockedAddressTable | undefined> {
  return db
    .selectFrom('blocked_addresses')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
}

/**
 * Blocks an address after a hard bounce. With `audit` (ids and clock of the caller's context) the
 * block is also written to the compliance audit trail, in the same transaction.
 */
export async function blockAddress(
  db: Database,
  input: { orgId: string; email: string; reason: string; statusCode: string | null; at: number },
  audit?: Pick<Context, 'ids' | 'clock'>,
): Promise<void> {
  if (audit) {
    await recordAudit(audit, db, {
      orgId: input.orgId,
      actor: { type: 'system', id: null },
      action: 'email.blocked',
      reason: input.reason,
      details: { email: input.email.toLowerCase(), status_code: input.statusCode },
    });
  }
  await db
    .insertInto('blocked_addresses')
    .values({
      org_id: input.orgId,
      email: input.email.toLowerCase(),
      is_blocked: 1,
      reason: input.reason,
      status_code: input.statusCode,
      blocked_at: input.at,
      unblock_count: 0,
      unblocked_at: null,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'email']).doUpdateSet({
        is_blocked: 1,
        reason: input.reason,
        status_code: input.statusCode,
        blocked_at: input.at,
      }),
    )
    .execute();
}

export async function unblockAddress(db: Database, orgId: string, email: string, at: number): Promise<void> {
  await db
    .updateTable('blocked_addresses')
    .set((eb) => ({ is_blocked: 0, unblocked_at: at, unblock_count: eb('unblock_count', '+', 1) }))
    .where('org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .execute();
}
