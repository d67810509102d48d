import type { Database } from '../db/database.js';
import type { Edition, OrgTable } from '../db/schema.js';

export type OrgRow = OrgTable;
export const EDITIONS: readonly Edition[] = ['free', 'standard', 'professional', 'enterprise', 'ultimate'];

export async function findOrg(db: Database, orgId: string): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export async function findFirstOrg(db: Database): Promise<OrgRow | undefined> {
  return db.selectFrom('orgs').selectAll().orderBy('id').limit(1).executeTakeFirst();
}

export async function insertOrg(db: Database, row: OrgRow): Promise<void> {
  await db.insertInto('orgs').values(row).execute();
}

export type OrgSettableColumn =
  | 'name'
  | 'edition'
  | 'time_zone'
  | 'privacy_settings'
  | 'one_click_unsubscribe'
  | 'email_tracking'
  | 'daily_mail_limit'
  | 'api_credit_limit'
  | 'api_concurrency_limit';

export async function updateOrgRow(
  db: Database,
  orgId: string,
  changes: Partial<Pick<OrgRow, OrgSettableColumn>>,
): Promise<void> {
  if (Object.keys(changes).length === 0) return;
  await db.updateTable('orgs').set(changes).where('id', '=', orgId).execute();
}

/** Whether the org's messages carry one-click unsubscribe headers (read when a message is built). */
export async function oneClickUnsubscribeOn(db: Database, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('one_click_unsubscribe').where('id', '=', orgId).executeTakeFirst();
  return row?.one_click_unsubscribe === 1;
}

/** What an org's tracking setting is computed from (tracking/tracking-setting.ts); undefined when the org is gone. */
export async function findTrackingFacts(db: Database, orgId: string): Promise<Pick<OrgRow, 'edition' | 'email_tracking'> | undefined> {
  return db.selectFrom('orgs').select(['edition', 'email_tracking']).where('id', '=', orgId).executeTakeFirst();
}

/** What an org's limits are computed from: the org row and its users, in one query. */
export type OrgLimitFacts = OrgRow & {
  /** Users with status `active` (API credits are granted per user licence). */
  active_users: number;
  /** Active users who confirmed their account (Zoho's "confirmed active users", docs/zoho-contract.md §16). */
  confirmed_users: number;
};

export async function findOrgLimitFacts(db: Database, orgId: string): Promise<OrgLimitFacts | undefined> {
  const row = await db
    .selectFrom('orgs as o')
    .selectAll('o')
    .select((eb) => [
      eb
        .selectFrom('users as u')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('u.org_id', '=', 'o.id')
        .where('u.status', '=', 'active')
        .as('active_users'),
      eb
        .selectFrom('users as u')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('u.org_id', '=', 'o.id')
        .where('u.status', '=', 'active')
        .where('u.is_confirmed', '=', 1)
        .as('confirmed_users'),
    ])
    .where('o.id', '=', orgId)
    .executeTakeFirst();
  if (!row) return undefined;
  return { ...row, active_users: Number(row.active_users ?? 0), confirmed_users: Number(row.confirmed_users ?? 0) };
}

/** The org's `privacy_settings` flag (1 on, 0 off), undefined for an unknown org. */
export async function findPrivacySetting(db: Database, orgId: string): Promise<number | undefined> {
  const row = await db.selectFrom('orgs').select('privacy_settings').where('id', '=', orgId).executeTakeFirst();
  return row?.privacy_settings;
}
