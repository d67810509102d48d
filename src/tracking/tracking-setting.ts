import type { Database } from '../db/database.js';
import { findTrackingFacts, type OrgRow } from '../orgs/org-repository.js';

/**
 * Whether an org's html mail carries the open pixel and tracked links (README "Tracking opens and
 * clicks"). `orgs.email_tracking` is 1 (on), 0 (off) or null: the edition's default, on for the
 * paid editions and off for the free edition, as Zoho. Changing the edition of an org that never
 * chose therefore changes its tracking; once an admin sets it, the choice stays.
 */
export function emailTrackingOn(org: Pick<OrgRow, 'edition' | 'email_tracking'>): boolean {
  const chosen = org.email_tracking ?? null;
  return chosen === null ? org.edition !== 'free' : chosen === 1;
}

/** The org's setting, read when a message is built (a change applies from the next attempt on). */
export async function emailTrackingOfOrg(db: Database, orgId: string): Promise<boolean> {
  const row = await findTrackingFacts(db, orgId);
  return row ? emailTrackingOn(row) : false;
}
