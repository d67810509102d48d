import type { Database } from '../db/database.js';
import type { OrgFromAddressTable } from '../db/schema.js';

/** An org's From addresses (`org_from_addresses`), usable with `org_email: true`. */
export type OrgFromAddressRow = OrgFromAddressTable;

export async function listOrgFromAddresses(db: Database, orgId: string): Promise<OrgFromAddressRow[]> {
  return db.selectFrom('org_from_addresses').selectAll().where('org_id', '=', orgId).orderBy('email').execute();
}

/** The id of the org's From address `email` (already normalised), if it has it. */
export async function findOrgFromAddressId(db: Database, orgId: string, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('org_from_addresses')
    .select('id')
    .where('org_id', '=', orgId)
    .where('email', '=', email)
    .executeTakeFirst();
  return row?.id;
}

export async function insertOrgFromAddress(db: Database, row: OrgFromAddressRow): Promise<void> {
  await db.insertInto('org_from_addresses').values(row).execute();
}
