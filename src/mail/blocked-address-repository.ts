import type { Database } from '../db/database.js';
import type { BlockedAddressTable } from '../db/schema.js';

/** Addresses of an org that bounced (`blocked_addresses`), by lower-case address. */
export type BlockedAddressRow = BlockedAddressTable;

export async function findBlocked(db: Database, orgId: string, emails: readonly string[]): Promise<BlockedAddressRow[]> {
  if (emails.length === 0) return [];
  return db
    .selectFrom('blocked_addresses')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', 'in', emails.map((e) => e.toLowerCase()))
    .where('is_blocked', '=', 1)
    .execute();
}

export async function findBlockRow(db: Database, orgId: string, email: string): Promise<BlockedAddressRow | undefined> {
  return db
    .selectFrom('blocked_addresses')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst();
}

export type BlockInput = {
  orgId: string;
  email: string;
  reason: string;
  statusCode: string | null;
  at: number;
  /** A hard bounce: `unblock_email` refuses for ever. A permanent block is never made temporary again. */
  permanent?: boolean;
  /** Zoho's `category` / `sub_category` of the bounce. */
  category?: string | null;
  subCategory?: string | null;
};

/** Blocks the address: a new row, or the existing one blocked again (its unblock count kept). */
export async function upsertBlock(db: Database, input: BlockInput): Promise<void> {
  const permanent = input.permanent ? 1 : 0;
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
      permanent,
      category: input.category ?? null,
      sub_category: input.subCategory ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['org_id', 'email']).doUpdateSet((eb) => ({
        is_blocked: 1,
        reason: input.reason,
        status_code: input.statusCode,
        blocked_at: input.at,
        category: input.category ?? null,
        sub_category: input.subCategory ?? null,
        permanent: eb.case().when('blocked_addresses.permanent', '=', 1).then(1).else(permanent).end(),
      })),
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
