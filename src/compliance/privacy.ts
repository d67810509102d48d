import type { Database } from '../db/database.js';

/** Whether the org has GDPR compliance on (`GET /org` → `privacy_settings`, docs/zoho-contract.md §12). */
export async function privacyOn(db: Database, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('privacy_settings').where('id', '=', orgId).executeTakeFirst();
  return row?.privacy_settings === 1;
}

/** Modules whose records carry `Data_Processing_Basis_Details` when privacy is on. */
export const CONSENT_MODULES: ReadonlySet<string> = new Set(['Leads', 'Contacts']);
