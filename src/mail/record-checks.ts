import type { Database } from '../db/database.js';
import type { Profile } from '../db/schema.js';
import { AppError } from '../errors.js';
import { emailConsentState } from '../compliance/consent-details.js';
import { restrictsSendMail, loadLockingSettings } from '../compliance/locking-config.js';
import { CONSENT_MODULES, privacyOn } from '../compliance/privacy.js';
import { findLock } from '../compliance/record-lock-repository.js';
import type { ModuleDefinition } from '../records/modules.js';
import { findRecord, parseData, type RecordData } from '../records/record-repository.js';

/** Modules whose records are people with their own address: a mail needs one of them. */
const PERSON_MODULES = new Set(['Leads', 'Contacts', 'Vendors']);

export type RecordRefusal = {
  error: AppError;
  /** A consent email (`consent_email: true`) may still go: it is how consent is asked for. */
  waivedForConsentEmail: boolean;
};

export type RecordMailFacts = {
  /** The record's own addresses (Email, Secondary_Email), lower-cased; used to word block errors. */
  ownAddresses: string[];
  /** Why no mail may go to this record, in the order they are checked; empty when mail may go. */
  refusals: RecordRefusal[];
  /** Whether the org has GDPR compliance on and this module carries consent details. */
  consentApplies: boolean;
};

const addressesOf = (data: RecordData): string[] =>
  ['Email', 'Secondary_Email']
    .map((key) => data[key])
    .filter((v): v is string => typeof v === 'string' && v.trim() !== '')
    .map((v) => v.trim().toLowerCase());

/** The first refusal that applies to a mail (consent emails pass the consent check). */
export function firstRefusal(facts: RecordMailFacts, consentEmail: boolean): AppError | null {
  return facts.refusals.find((r) => !(consentEmail && r.waivedForConsentEmail))?.error ?? null;
}

/**
 * What the record in the URL allows (docs/zoho-contract.md §3.3 steps 8–9, §12), in this order:
 * 1. with privacy on, a Lead or Contact on the Consent basis whose person withdrew their email
 *    consent: NOT_ALLOWED "…opted to stop the email communication" (the person's own answer);
 * 2. a person record that opted out (`Email_Opt_Out`) refuses mail: 403 NO_PERMISSION;
 * 3. with privacy on, a Lead or Contact on the Consent basis that has not consented yet:
 *    NOT_ALLOWED "Have not consented…" (a consent email may still go: it is how consent is asked);
 * 4. a person record without an address, or a Deal whose contact has none: NOT_ALLOWED;
 * 5. a locked record whose module's locking configuration restricts `send_mail` for the
 *    sender's profile: RECORD_LOCKED with `{action: "record_locking", id}`.
 * Other modules take any explicit `to`. Used at acceptance and again when the mail fires.
 */
export async function recordMailFacts(
  db: Database,
  orgId: string,
  module: ModuleDefinition,
  data: RecordData,
  context: {
    recordId: string;
    senderProfile: Profile;
    /** The org's privacy setting, when the caller has read the org already (else it is looked up). */
    privacyOn?: boolean;
    /** Whether the record has a lock, when the caller has read it already (else it is looked up). */
    locked?: boolean;
  },
): Promise<RecordMailFacts> {
  const own = addressesOf(data);
  const refusals: RecordRefusal[] = [];
  const isPerson = PERSON_MODULES.has(module.apiName) || (module.isCustom && module.fields.some((f) => f.apiName === 'Email'));
  const consentApplies = CONSENT_MODULES.has(module.apiName) && (context.privacyOn ?? (await privacyOn(db, orgId)));
  const consent = consentApplies ? emailConsentState(data) : 'not_required';
  if (consent === 'withdrawn') refusals.push({ error: new AppError('CONSENT_WITHDRAWN'), waivedForConsentEmail: false });
  if (isPerson && data.Email_Opt_Out === true) refusals.push({ error: new AppError('EMAIL_OPT_OUT'), waivedForConsentEmail: false });
  if (consent === 'pending') refusals.push({ error: new AppError('CONSENT_NOT_GIVEN'), waivedForConsentEmail: true });
  let addresses = own;
  if (PERSON_MODULES.has(module.apiName) && own.length === 0) {
    refusals.push({ error: new AppError('RECORD_HAS_NO_EMAIL'), waivedForConsentEmail: false });
  }
  if (module.apiName === 'Deals') {
    const contactId = typeof data.Contact_Name === 'string' ? data.Contact_Name : null;
    const contact = contactId ? await findRecord(db, orgId, 'Contacts', contactId) : undefined;
    addresses = contact ? addressesOf(parseData(contact)) : [];
    if (addresses.length === 0) refusals.push({ error: new AppError('DEAL_CONTACT_HAS_NO_EMAIL'), waivedForConsentEmail: false });
  }
  const locked = context.locked ?? (await findLock(db, orgId, context.recordId)) !== undefined;
  if (locked) {
    const config = await loadLockingSettings(db, orgId, module.apiName);
    if (restrictsSendMail(config.settings, context.senderProfile)) {
      refusals.push({
        error: new AppError('RECORD_LOCKED', { details: { action: 'record_locking', id: context.recordId } }),
        waivedForConsentEmail: false,
      });
    }
  }
  return { ownAddresses: addresses, refusals, consentApplies };
}
