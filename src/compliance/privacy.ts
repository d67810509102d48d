import type { Database } from '../db/database.js';
import { findPrivacySetting } from '../orgs/org-repository.js';

/** Whether the org has GDPR compliance on (`GET /org` → `privacy_settings`, docs/zoho-contract.md §12). */
export async function privacyOn(db: Database, orgId: string): Promise<boolean> {
  return (await findPrivacySetting(db, orgId)) === 1;
}

/** Modules whose records carry `Data_Processing_Basis_Details` when privacy is on. */
export const CONSENT_MODULES: ReadonlySet<string> = new Set(['Leads', 'Contacts']);
