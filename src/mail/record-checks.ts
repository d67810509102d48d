import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, type RecordData } from '../records/record-repository.js';

/** Modules whose records are people with their own address: a mail needs one of them. */
const PERSON_MODULES = new Set(['Leads', 'Contacts', 'Vendors']);

export type RecordMailFacts = {
  /** The record's own addresses (Email, Secondary_Email), lower-cased; used to word block errors. */
  ownAddresses: string[];
  /** Why no mail may go to this record at all, or null. */
  refusal: AppError | null;
};

const addressesOf = (data: RecordData): string[] =>
  ['Email', 'Secondary_Email']
    .map((key) => data[key])
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .map((v) => v.trim().toLowerCase());

/**
 * What the record in the URL allows (zoho-api.md §3.3 step 8): a person record that opted out
 * refuses mail (403); a person record without an address, or a Deal whose contact has none,
 * cannot be mailed (NOT_ALLOWED). Other modules take any explicit `to`.
 */
export async function recordMailFacts(db: Database, orgId: string, module: ModuleDefinition, data: RecordData): Promise<RecordMailFacts> {
  const own = addressesOf(data);
  const isPerson = PERSON_MODULES.has(module.apiName) || (module.isCustom && module.fields.some((f) => f.apiName === 'Email'));
  if (isPerson && data.Email_Opt_Out === true) return { ownAddresses: own, refusal: new AppError('EMAIL_OPT_OUT') };
  if (PERSON_MODULES.has(module.apiName) && own.length === 0) {
    return { ownAddresses: own, refusal: new AppError('RECORD_HAS_NO_EMAIL') };
  }
  if (module.apiName === 'Deals') {
    const contactId = typeof data.Contact_Name === 'string' ? data.Contact_Name : null;
    const contact = contactId ? await findRecord(db, orgId, 'Contacts', contactId) : undefined;
    const contactAddresses = contact ? addressesOf(parseData(contact)) : [];
    if (contactAddresses.length === 0) return { ownAddresses: own, refusal: new AppError('DEAL_CONTACT_HAS_NO_EMAIL') };
    return { ownAddresses: contactAddresses, refusal: null };
  }
  return { ownAddresses: own, refusal: null };
}
