import type { AppError, FieldPath } from '../errors.js';
import { refuse } from '../refusals.js';
import { isValidDate, parseOffsetDateTime } from '../time.js';

/**
 * `Data_Processing_Basis_Details` (docs/zoho-contract.md §12): the consent entity of a Lead or Contact,
 * stored inside the record as a JSON object. Only the keys below are kept; unknown keys are
 * ignored like unknown record fields; `id`, `Owner` and `Mail_Sent_Time` are maintained here.
 */
export const PROCESSING_BASES = [
  'Consent',
  'Legitimate interest',
  'Contract',
  'Legal obligation',
  'Vital interest',
  'Public interest',
  'Not applicable',
] as const;

export const CONSENT_THROUGH = ['Consent form', 'Email', 'Phone', 'In person', 'Survey', 'Social', 'Others'] as const;

const BOOLEAN_KEYS = ['Contact_Through_Email', 'Contact_Through_Phone', 'Contact_Through_Survey', 'Contact_Through_Social'];
const TEXT_KEYS = ['Consent_Remarks', 'Lawful_Reason'];

export type ConsentDetails = Record<string, unknown>;

function invalid(path: FieldPath, key: string, extra: Record<string, unknown> = {}): AppError {
  return refuse('INVALID_DATA', [...path, key], extra);
}

/** Checks the writable keys of a consent object; returns only those (null clears a key). */
export function checkConsentDetails(value: Record<string, unknown>, path: FieldPath): ConsentDetails {
  const out: ConsentDetails = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (key === 'Data_Processing_Basis') {
      if (v !== null && !(PROCESSING_BASES as readonly unknown[]).includes(v)) throw invalid(path, key, { supported_values: PROCESSING_BASES });
    } else if (BOOLEAN_KEYS.includes(key)) {
      if (v !== null && typeof v !== 'boolean') throw invalid(path, key, { expected_data_type: 'boolean' });
    } else if (TEXT_KEYS.includes(key)) {
      if (v !== null && (typeof v !== 'string' || v.length > 2000)) throw invalid(path, key, { maximum_length: 2000 });
    } else if (key === 'Consent_Date') {
      if (v !== null && (typeof v !== 'string' || !isValidDate(v))) throw invalid(path, key, { expected_data_type: 'date' });
    } else if (key === 'Consent_Through') {
      if (v !== null && !(CONSENT_THROUGH as readonly unknown[]).includes(v)) throw invalid(path, key, { supported_values: CONSENT_THROUGH });
    } else if (key === 'Mail_Sent_Time') {
      if (v !== null && (typeof v !== 'string' || !parseOffsetDateTime(v))) throw invalid(path, key, { expected_data_type: 'datetime' });
    } else {
      continue;
    }
    out[key] = v;
  }
  return out;
}

export type ConsentState = 'not_required' | 'granted' | 'pending' | 'withdrawn';

/**
 * Hidden key of a Lead's or Contact's data (no field: never shown, exported or merged): the person
 * withdrew their email consent. Set when they answer "No" on the consent page, or when a Records
 * API write turns `Contact_Through_Email` from `true` to `false` (a user recording a withdrawal);
 * removed when `Contact_Through_Email` becomes `true` again (page or API). The consent details
 * alone cannot tell "never consented" from "withdrew": both read `Contact_Through_Email: false`.
 */
export const EMAIL_CONSENT_WITHDRAWN = '$email_consent_withdrawn';

const emailFlag = (details: unknown): unknown =>
  typeof details === 'object' && details !== null ? (details as ConsentDetails).Contact_Through_Email : undefined;

/** Records the person's own answer (the consent page): a refusal is a withdrawal, a grant ends one. */
export function setEmailConsentWithdrawn(data: Record<string, unknown>, withdrawn: boolean): void {
  if (withdrawn) data[EMAIL_CONSENT_WITHDRAWN] = true;
  else delete data[EMAIL_CONSENT_WITHDRAWN];
}

/** After a Records API write of the consent details: `true` → `false` is a withdrawal, `true` ends one. */
export function trackEmailConsentChange(data: Record<string, unknown>, before: unknown): void {
  const now = emailFlag(data.Data_Processing_Basis_Details);
  if (now === true) setEmailConsentWithdrawn(data, false);
  else if (emailFlag(before) === true && now === false) setEmailConsentWithdrawn(data, true);
}

/**
 * What a record's consent allows, with privacy on: on the Consent basis, email needs
 * `Contact_Through_Email: true` (granted); without it the person either withdrew (see
 * `EMAIL_CONSENT_WITHDRAWN`) or has not answered yet (pending). Any other basis, or none
 * recorded, does not ask for consent.
 */
export function emailConsentState(data: Record<string, unknown>): ConsentState {
  const details = data.Data_Processing_Basis_Details;
  if (typeof details !== 'object' || details === null) return 'not_required';
  const d = details as ConsentDetails;
  if (d.Data_Processing_Basis !== 'Consent') return 'not_required';
  if (d.Contact_Through_Email === true) return 'granted';
  return data[EMAIL_CONSENT_WITHDRAWN] === true ? 'withdrawn' : 'pending';
}
